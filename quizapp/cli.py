"""Command-line tools for admins and instructors: thin Click wrappers over services."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from quizapp.config import SECRET_KEY_FILE
from quizapp.domain.articles import ArticleError
from quizapp.extensions import db
from quizapp.models import Role
from quizapp.services import accounts, sets


def ensure_secret_key_file() -> bool:
    """Write a random key to instance/secret_key unless one exists; True if written."""
    path = Path(current_app.instance_path) / SECRET_KEY_FILE
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_urlsafe(48) + "\n")
    path.chmod(0o600)
    return True


@click.command("setup")
@click.option(
    "--banks",
    "banks_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to load study sets from (default: question_banks/).",
)
@with_appcontext
def setup_command(banks_dir: Path | None) -> None:
    """Upgrade the database to the latest migration and load the bundled study sets.

    Safe to run again: unchanged files are left alone, nothing is duplicated.
    """
    if ensure_secret_key_file():
        click.echo(f"Wrote a new secret key to {Path(current_app.instance_path, SECRET_KEY_FILE)}")
    upgrade()
    directory = banks_dir or Path(current_app.config["QUESTION_BANKS_DIR"])
    report = sets.load_bundled_sets(directory, max_bytes=current_app.config["ARTICLE_MAX_BYTES"])
    db.session.commit()
    for name in report.created:
        click.echo(f"created  {name}")
    for name in report.updated:
        click.echo(f"updated  {name}")
    for name in report.unchanged:
        click.echo(f"ok       {name}")
    for name, error in report.failed:
        click.echo(f"FAILED   {name}: {error}", err=True)
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} file(s) in {directory} failed to load")


@click.command("build-set")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the set as JSON; write nothing.")
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Same article and seed give byte-identical output.",
)
@click.option("--draft", is_flag=True, help="Save items as drafts to review in the browser.")
@with_appcontext
def build_set_command(path: Path, as_json: bool, seed: int, draft: bool) -> None:
    """Build a study set from the article at PATH (.txt, .md or .html)."""
    data = path.read_bytes()
    max_bytes = current_app.config["ARTICLE_MAX_BYTES"]
    try:
        if as_json:
            _article, generated = sets.build_from_article(
                data, filename=path.name, seed=seed, max_bytes=max_bytes
            )
            click.echo(json.dumps(generated, ensure_ascii=False, indent=2))
            return
        study_set = sets.create_set_from_article(
            data, filename=path.name, seed=seed, publish=not draft, max_bytes=max_bytes
        )
    except ArticleError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    db.session.commit()
    state = "draft" if draft else "published"
    click.echo(
        f"Saved {state} study set {study_set.id}: {study_set.title} ({len(study_set.items)} items)"
    )


@click.command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.LEARNER.value,
    show_default=True,
)
@click.option("--email", default=None)
@with_appcontext
def create_user_command(username: str, password: str, role: str, email: str | None) -> None:
    """Create a user account (learner, instructor or admin)."""
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    try:
        user = accounts.create_user(username, password, role=role, email=email)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {role} {user.username} (id {user.id})")


COMMANDS = [setup_command, build_set_command, create_user_command]
