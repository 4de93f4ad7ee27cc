"""quizapp's own signing keys, encrypted at rest, in real LTI flows (deep linking and grade
passback sign with them; the fake LMS verifies against /lti/jwks) and through the
`lti-keys` commands."""

from __future__ import annotations

import logging

import pytest
import requests
import sqlalchemy as sa
from lti.tool_harness import (
    choose_in_deep_link,
    deep_link_claims,
    launch,
    run_worker,
    sync_roster_as,
    take_quiz,
)

from quizapp.extensions import db
from quizapp.lti_cli import lti_keys_group
from quizapp.models import Job, LtiToolKey, utcnow
from quizapp.services import lti_keys

from support import store_as_plaintext, stored_private_key

APP_SECRETS = ("lti-test-secret",)  # make_app's SECRET_KEY, with LTI_KEY_SECRET unset


def keys_cli(app, *args: str):
    return app.test_cli_runner().invoke(lti_keys_group, list(args))


def make_keys(app, secrets: tuple[str, ...], count: int = 1) -> list[str]:
    """``count`` keys encrypted with ``secrets`` (the newest one active); their kids."""
    with app.app_context():
        kids = [lti_keys.rotate(secrets).kid for _ in range(count)]
        db.session.commit()
    return kids


def make_plaintext_keys(app, count: int) -> dict[str, str]:
    """Keys as quizapp stored them before encryption: kid -> PEM."""
    kids = make_keys(app, APP_SECRETS, count)
    with app.app_context():
        pems = {kid: store_as_plaintext(_key(kid), APP_SECRETS) for kid in kids}
        db.session.commit()
    return pems


def _key(kid: str) -> LtiToolKey:
    return db.session.scalar(sa.select(LtiToolKey).where(LtiToolKey.kid == kid))


def stored(app) -> dict[str, str]:
    with app.app_context():
        kids = db.session.scalars(sa.select(LtiToolKey.kid))
        return {kid: stored_private_key(kid) for kid in kids}


# --- signing in LTI flows ---------------------------------------------------------------------


def test_a_plaintext_key_signs_before_and_after_lti_keys_encrypt(
    tool, platform, lti_app, study_set
):
    (kid,) = make_plaintext_keys(lti_app, 1)
    chosen = choose_in_deep_link(tool, platform, study_set)
    assert chosen.status_code == 200, chosen.text
    assert deep_link_claims(tool, platform, chosen.text)["kid"] == kid

    result = keys_cli(lti_app, "encrypt")
    assert result.exit_code == 0, result.output
    assert "PRIVATE KEY" not in stored(lti_app)[kid]
    chosen = choose_in_deep_link(tool, platform, study_set)
    assert chosen.status_code == 200, chosen.text
    assert deep_link_claims(tool, platform, chosen.text)["kid"] == kid


def test_a_key_no_secret_opens_stops_signing_with_a_clear_error(
    tool, platform, lti_app, study_set, caplog
):
    (kid,) = make_keys(lti_app, ("a-lost-secret",))
    # Learners still launch (a launch signs nothing) and the JWKS is still served.
    landed = launch(tool, platform, set_id=study_set)
    assert landed.status_code in (302, 303) and "/embed/sets/" in landed.headers["Location"]
    jwks = requests.get(tool.url + "/lti/jwks")
    assert jwks.status_code == 200 and [k["kid"] for k in jwks.json()["keys"]] == [kid]

    with caplog.at_level(logging.ERROR, logger="quizapp.services.lti_keys"):
        refused = choose_in_deep_link(tool, platform, study_set)
    assert refused.status_code == 500
    assert kid in refused.text and "lti-keys rotate" in refused.text
    assert any(kid in record.getMessage() for record in caplog.records)

    # The old secret listed after a new one: it decrypts again, and new keys use the new one.
    lti_app.config["LTI_KEY_SECRET"] = "a-new-secret, a-lost-secret"
    chosen = choose_in_deep_link(tool, platform, study_set)
    assert chosen.status_code == 200, chosen.text
    assert deep_link_claims(tool, platform, chosen.text)["kid"] == kid

    # Or, with the old secret gone for good, a new key signs.
    lti_app.config["LTI_KEY_SECRET"] = None
    assert keys_cli(lti_app, "rotate").exit_code == 0
    chosen = choose_in_deep_link(tool, platform, study_set)
    assert chosen.status_code == 200, chosen.text
    assert deep_link_claims(tool, platform, chosen.text)["kid"] != kid


def test_grade_passback_with_an_unreadable_key_says_why_and_retries(
    tool, platform, lti_app, study_set
):
    (kid,) = make_keys(lti_app, ("a-lost-secret",))
    session = requests.Session()
    landed = launch(tool, platform, session, set_id=study_set, sub="student-3")
    take_quiz(tool, session, landed.headers["Location"])

    run_worker(lti_app)
    assert platform.recorded.scores == [] and platform.recorded.token_requests == []
    with lti_app.app_context():
        job = db.session.scalar(sa.select(Job))
        assert job.status == "pending" and kid in job.last_error
        assert "lti-keys rotate" in job.last_error
        job.run_after = utcnow()
        db.session.commit()

    lti_app.config["LTI_KEY_SECRET"] = "a-new-secret,a-lost-secret"
    run_worker(lti_app)
    (received,) = platform.recorded.scores
    assert received["score"]["userId"] == "student-3"
    (token_request,) = platform.recorded.token_requests  # its assertion verified by our JWKS
    assert token_request["claims"]["iss"] == platform.client_id


def test_roster_sync_with_an_unreadable_key_blames_the_key_not_the_lms(
    tool, platform, lti_app, study_set
):
    (kid,) = make_keys(lti_app, ("a-lost-secret",))
    synced = sync_roster_as(tool, platform, study_set, "t1")
    assert synced.status_code == 500 and kid in synced.text
    assert "did not return the roster" not in synced.text
    assert platform.recorded.roster_requests == 0


# --- lti-keys list / encrypt ------------------------------------------------------------------


def test_encrypt_converts_plaintext_keys_once(lti_app):
    pems = make_plaintext_keys(lti_app, 2)
    (current,) = make_keys(lti_app, APP_SECRETS)
    listed = keys_cli(lti_app, "list")
    assert listed.output.count("plaintext") == 2 and listed.output.count("encrypted") == 1

    result = keys_cli(lti_app, "encrypt")
    assert result.exit_code == 0, result.output
    assert "2 key(s) encrypted, 0 re-encrypted with the current secret, 1 already current" in (
        result.output
    )
    after = stored(lti_app)
    assert not any("PRIVATE KEY" in value for value in after.values())
    with lti_app.app_context():
        for kid, pem in pems.items():
            assert lti_keys.private_key_pem(_key(kid), APP_SECRETS) == pem
    assert keys_cli(lti_app, "list").output.count("plaintext") == 0

    again = keys_cli(lti_app, "encrypt")
    assert again.exit_code == 0
    assert "0 key(s) encrypted, 0 re-encrypted with the current secret, 3 already current" in (
        again.output
    )
    assert stored(lti_app) == after  # nothing rewritten


def test_encrypt_changes_nothing_when_it_fails_midway(lti_app, monkeypatch):
    make_plaintext_keys(lti_app, 2)
    before = stored(lti_app)
    real_seal, calls = lti_keys.seal, []

    def seal_then_fail(pem: str, secrets) -> str:
        calls.append(pem)
        if len(calls) == 2:
            raise OSError("the disk is full")
        return real_seal(pem, secrets)

    monkeypatch.setattr(lti_keys, "seal", seal_then_fail)
    result = keys_cli(lti_app, "encrypt")
    assert result.exit_code != 0 and len(calls) == 2
    assert stored(lti_app) == before  # the first key's encryption was not kept either


def test_encrypt_moves_keys_to_the_first_secret(lti_app):
    kids = make_keys(lti_app, APP_SECRETS, 2)  # encrypted with SECRET_KEY
    lti_app.config["LTI_KEY_SECRET"] = "a-dedicated-secret"
    listed = keys_cli(lti_app, "list")
    assert listed.output.count("encrypted with an older secret") == 2

    result = keys_cli(lti_app, "encrypt")
    assert "0 key(s) encrypted, 2 re-encrypted with the current secret" in result.output
    with lti_app.app_context():
        for kid in kids:
            lti_keys.private_key_pem(_key(kid), ("a-dedicated-secret",))  # SECRET_KEY not needed
            with pytest.raises(lti_keys.KeySecretError):
                lti_keys.private_key_pem(_key(kid), APP_SECRETS)


def test_encrypt_reports_keys_no_secret_opens_and_leaves_them(lti_app):
    (lost,) = make_keys(lti_app, ("a-lost-secret",))
    (plain,) = make_plaintext_keys(lti_app, 1)
    before = stored(lti_app)[lost]
    assert "unreadable" in keys_cli(lti_app, "list").output

    result = keys_cli(lti_app, "encrypt")
    assert result.exit_code == 0
    assert "1 key(s) encrypted" in result.stdout and "1 unreadable" in result.stdout
    assert lost in result.stderr and "lti-keys rotate" in result.stderr
    after = stored(lti_app)
    assert after[lost] == before and "PRIVATE KEY" not in after[plain]


def test_key_commands_without_any_secret_say_what_to_set(lti_app):
    make_plaintext_keys(lti_app, 1)
    before = stored(lti_app)
    lti_app.config["SECRET_KEY"] = None
    for command in ("rotate", "encrypt", "list"):
        result = keys_cli(lti_app, command)
        assert result.exit_code != 0 and "set SECRET_KEY" in result.output
    assert stored(lti_app) == before
