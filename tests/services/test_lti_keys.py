"""quizapp's LTI private keys at rest: encrypted with a key derived from the configured
secrets, readable while any listed secret opens them, and a clear error when none does."""

from __future__ import annotations

import logging

import pytest
from jwcrypto.jwk import JWK

from quizapp.extensions import db
from quizapp.services import lti_keys
from quizapp.services.lti_platforms import LtiSettings

from support import store_as_plaintext, stored_private_key

SECRETS = ("first-secret",)


def test_generated_and_rotated_keys_are_stored_encrypted(app):
    with app.app_context():
        first = lti_keys.generate_key(SECRETS)
        second = lti_keys.rotate(SECRETS)
        db.session.commit()
        for key in (first, second):
            stored = stored_private_key(key.kid)
            pem = lti_keys.private_key_pem(key, SECRETS)
            assert pem.startswith("-----BEGIN PRIVATE KEY-----")
            assert "PRIVATE KEY" not in stored
            material = [line for line in pem.splitlines()[1:-1] if len(line) >= 16]
            assert material and not any(line in stored for line in material)
            # What decrypts is the private half of the key the JWKS publishes.
            public = JWK.from_pem(pem.encode()).export_public(as_dict=True)
            assert public["n"] == key.public_jwk["n"]
            assert lti_keys.protection(key, SECRETS) == lti_keys.ENCRYPTED


def test_a_row_from_before_encryption_still_works(app):
    with app.app_context():
        key = lti_keys.generate_key(SECRETS)
        pem = store_as_plaintext(key, SECRETS)
        assert "PRIVATE KEY" in stored_private_key(key.kid)
        assert not lti_keys.is_encrypted(key)
        assert lti_keys.protection(key, SECRETS) == lti_keys.PLAINTEXT
        # It needs no secret at all, so a changed one does not matter to it.
        assert lti_keys.private_key_pem(key, ("another-secret",)) == pem


def test_an_older_secret_in_the_list_still_decrypts(app):
    with app.app_context():
        key = lti_keys.generate_key(("old-secret",))
        pem = lti_keys.private_key_pem(key, ("old-secret",))
        assert lti_keys.private_key_pem(key, ("new-secret", "old-secret")) == pem
        assert lti_keys.protection(key, ("new-secret", "old-secret")) == lti_keys.STALE
        # New keys are encrypted with the first secret only.
        newer = lti_keys.rotate(("new-secret", "old-secret"))
        assert lti_keys.protection(newer, ("new-secret",)) == lti_keys.ENCRYPTED
        with pytest.raises(lti_keys.KeySecretError):
            lti_keys.private_key_pem(newer, ("old-secret",))


def test_a_changed_secret_names_the_key_and_what_to_do(app, caplog):
    with app.app_context():
        key = lti_keys.generate_key(("old-secret",))
        assert lti_keys.protection(key, ("new-secret",)) == lti_keys.UNREADABLE
        with caplog.at_level(logging.ERROR, logger="quizapp.services.lti_keys"):
            with pytest.raises(lti_keys.KeySecretError) as raised:
                lti_keys.private_key_pem(key, ("new-secret",))
    message = str(raised.value)
    assert key.kid in message and "lti-keys rotate" in message and "LTI_KEY_SECRET" in message
    assert [record.getMessage() for record in caplog.records] == [message]


def test_without_a_secret_no_key_is_made_or_retired(app):
    with app.app_context():
        key = lti_keys.generate_key(SECRETS)
        with pytest.raises(lti_keys.KeySecretError, match="SECRET_KEY"):
            lti_keys.rotate(())
        assert [k.kid for k in lti_keys.all_keys()] == [key.kid] and key.active


def test_the_encryption_key_is_derived_once_per_secret(app):
    """Every signature decrypts the key again, so the derivation from the secret must not
    run per use (a password hash would cost hundreds of milliseconds each time)."""
    secrets = ("a-secret-" + "x" * 40,)
    with app.app_context():
        key = lti_keys.generate_key(secrets)
        derived = lti_keys._fernet.cache_info().misses
        pems = {lti_keys.private_key_pem(key, secrets) for _ in range(100)}
        assert len(pems) == 1 and "PRIVATE KEY" in pems.pop()
        assert lti_keys._fernet.cache_info().misses == derived


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"SECRET_KEY": "app-secret"}, ("app-secret",)),
        (
            {"SECRET_KEY": "app-secret", "LTI_KEY_SECRET": "lti-secret"},
            ("lti-secret", "app-secret"),
        ),
        ({"SECRET_KEY": "s", "LTI_KEY_SECRET": "new, old,"}, ("new", "old", "s")),
        ({"SECRET_KEY": "s", "LTI_KEY_SECRET": ["new", "old"]}, ("new", "old", "s")),
        ({"SECRET_KEY": "same", "LTI_KEY_SECRET": "same"}, ("same",)),
        ({"SECRET_KEY": None}, ()),
    ],
)
def test_key_secrets_come_from_lti_key_secret_then_secret_key(config, expected):
    assert LtiSettings.from_config(config).key_secrets == expected


def test_settings_never_show_the_secrets():
    settings = LtiSettings.from_config({"SECRET_KEY": "app-secret", "LTI_KEY_SECRET": "lti-x"})
    assert "app-secret" not in repr(settings) and "lti-x" not in repr(settings)
