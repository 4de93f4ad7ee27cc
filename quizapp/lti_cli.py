"""LTI and background-work commands (thin Click wrappers over the services).

Register them with ``for command in LTI_COMMANDS: app.cli.add_command(command)``. The LTI
services load pylti1p3, which every other ``flask`` command would otherwise pay for at
start-up: each command imports the ones it runs.
"""

from __future__ import annotations

import time
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from quizapp.extensions import db
from quizapp.model_base import utcnow
from quizapp.services import idempotency, jobs
from quizapp.services.lti_common import LtiError, LtiSettings

IDEMPOTENCY_KEEP_DAYS = 7


@click.command("lti-register")
@click.option("--issuer", required=True, help="The platform's issuer (iss), e.g. its base URL.")
@click.option("--client-id", required=True, help="The client ID the LMS gave quizapp.")
@click.option("--auth-login-url", required=True, help="The LMS's OIDC authorization URL.")
@click.option("--auth-token-url", required=True, help="The LMS's OAuth2 access token URL.")
@click.option("--key-set-url", required=True, help="The LMS's public keyset (JWKS) URL.")
@click.option(
    "--deployment-id", "deployment_ids", multiple=True, help="A deployment ID (repeatable)."
)
@click.option("--name", default="", help="A name for the platform.")
@click.option("--auth-audience", default=None, help="Audience for token requests, if not the URL.")
@with_appcontext
def lti_register_command(
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_ids: tuple[str, ...],
    name: str,
    auth_audience: str | None,
) -> None:
    """Register (or update) an LMS as an LTI 1.3 platform."""
    from quizapp.services import lti_keys
    from quizapp.services import lti_platforms as platforms

    try:
        platform = platforms.register_platform(
            issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
            auth_token_url=auth_token_url, key_set_url=key_set_url,
            deployment_ids=deployment_ids, name=name, auth_audience=auth_audience,
        )  # fmt: skip
    except LtiError as exc:
        raise click.ClickException(str(exc)) from exc
    lti_keys.signing_key(_key_secrets())
    db.session.commit()
    click.echo(f"registered {platforms.describe(platform)}")


def _key_secrets() -> tuple[str, ...]:
    """The secrets that encrypt quizapp's private keys (a clear error when none is set)."""
    from quizapp.services import lti_keys

    secrets = LtiSettings.from_config(current_app.config).key_secrets
    if not secrets:
        raise click.ClickException(lti_keys.NO_CIPHER_MESSAGE)
    return secrets


@click.group("lti-keys")
def lti_keys_group() -> None:
    """quizapp's LTI signing keys (published at /lti/jwks)."""


@lti_keys_group.command("rotate")
@with_appcontext
def rotate_keys_command() -> None:
    """Start signing with a new key; the old one stays published for a while."""
    from quizapp.services import lti_keys

    key = lti_keys.rotate(_key_secrets())
    db.session.commit()
    days = current_app.config.get("LTI_RETIRED_KEY_DAYS", 14)
    click.echo(f"new signing key {key.kid}; retired keys stay in the JWKS for {days} days")


@lti_keys_group.command("list")
@with_appcontext
def list_keys_command() -> None:
    """Show every key, newest first."""
    from quizapp.services import lti_keys

    keys, secrets = lti_keys.all_keys(), _key_secrets()
    if not keys:
        click.echo("no keys yet (one is made on first use, or run `lti-keys rotate`)")
    for key in keys:
        state = "active" if key.active else f"retired {key.retired_at:%Y-%m-%d %H:%M}"
        stored = lti_keys.protection(key, secrets)
        click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}  {state}  {stored}")


@lti_keys_group.command("encrypt")
@with_appcontext
def encrypt_keys_command() -> None:
    """Encrypt keys stored as plain PEM, and re-encrypt with the first secret of LTI_KEY_SECRET
    those an older secret protects (all or none; running it again changes nothing)."""
    from quizapp.services import lti_keys

    report = lti_keys.encrypt_stored_keys(_key_secrets())
    db.session.commit()
    click.echo(
        f"{len(report.encrypted)} key(s) encrypted, {len(report.reencrypted)} re-encrypted "
        f"with the current secret, {len(report.current)} already current, "
        f"{len(report.unreadable)} unreadable"
    )
    for kid in report.unreadable:
        click.echo(lti_keys.unreadable_message(kid), err=True)


@click.command("lti-invite")
@click.option("--base-url", default=None, help="quizapp's public URL (default: LTI_BASE_URL).")
@with_appcontext
def lti_invite_command(base_url: str | None) -> None:
    """Print a dynamic registration URL to paste into an LMS."""
    from quizapp.services import lti_platforms as platforms

    base = (base_url or current_app.config.get("LTI_BASE_URL") or "").rstrip("/")
    if not base:
        raise click.ClickException(
            "give --base-url or set LTI_BASE_URL (e.g. https://quiz.example.edu)"
        )
    token = platforms.make_invite(current_app.config["SECRET_KEY"] or "", "cli")
    days = current_app.config.get("LTI_INVITE_DAYS", 7)
    click.echo(f"{base}/lti/register?invite={token}")
    click.echo(f"(valid for {days} days)", err=True)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs due now, then exit.")
@click.option("--max-jobs", type=click.IntRange(min=1), default=None, help="Exit after N jobs.")
@click.option(
    "--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
    help="Seconds to wait when no job is due.",
)  # fmt: skip
@with_appcontext
def worker_command(once: bool, max_jobs: int | None, interval: float) -> None:
    """Run background jobs (grade passback...) from the job outbox, with retries."""
    from quizapp.services import lti_launch

    config = current_app.config
    worker_id = jobs.new_worker_id()
    policy = jobs.RetryPolicy.from_config(config)
    handlers = jobs.default_handlers(config)
    total = 0
    try:
        while True:
            lti_launch.purge_expired()
            # Idempotent replies only need to outlive a client's retries.
            idempotency.purge_before(utcnow() - timedelta(days=IDEMPOTENCY_KEEP_DAYS))
            db.session.commit()
            left = None if max_jobs is None else max_jobs - total
            report = jobs.work(worker_id, handlers, policy=policy, max_jobs=left)
            total += report.ran
            for label, ids in (("done", report.done), ("retry", report.retried)):
                for job_id in ids:
                    click.echo(f"job {job_id}: {label}")
            for job_id in report.failed:
                click.echo(f"job {job_id}: failed", err=True)
            if once or (max_jobs is not None and total >= max_jobs):
                break
            if not report.ran:
                time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("worker stopped", err=True)
    finally:
        db.session.remove()
    click.echo(f"{total} job(s) run")


LTI_COMMANDS = [
    lti_register_command,
    lti_keys_group,
    lti_invite_command,
    worker_command,
]
