"""Command-line tools for admins and instructors: thin Click wrappers over services."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from quizapp.config import SECRET_KEY_FILE
from quizapp.domain.articles import ArticleError
from quizapp.domain.banks import EXPORT_ONLY, FORMATS
from quizapp.extensions import db
from quizapp.models import Role, User
from quizapp.services import accounts, sets
from quizapp.services import banks as bank_service

IMPORT_FORMATS = set(FORMATS) - EXPORT_ONLY


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


@click.command("import-bank")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(IMPORT_FORMATS)),
    help="The bank's format (detected from the content when omitted).",
)
@click.option("--set", "set_name", help="Add to the set with this title (created if needed).")
@click.option("--owner", help="Username of the instructor who will own the set.")
@click.option("--dry-run", is_flag=True, help="Write nothing; show what would be imported.")
@click.option("--json", "as_json", is_flag=True, help="Print the preview as JSON.")
@click.option(
    "--yes",
    "accept_unsupported",
    is_flag=True,
    help="Import the rest when some questions have unsupported types.",
)
@click.option("--publish", is_flag=True, help="Publish the set for learners right away.")
@with_appcontext
def import_bank_command(
    file: Path,
    fmt: str | None,
    set_name: str | None,
    owner: str | None,
    dry_run: bool,
    as_json: bool,
    accept_unsupported: bool,
    publish: bool,
) -> None:
    """Import a question bank (GIFT, Aiken, Moodle XML, CSV/TSV or quizapp JSON)."""
    data = file.read_bytes()
    if dry_run or as_json:  # only then: a preview parses the whole bank a second time
        try:
            preview = bank_service.preview_import(data, filename=file.name, fmt=fmt)
        except bank_service.ImportRejected as exc:
            preview = bank_service.Preview(format=fmt or "unknown", problems=exc.problems)
        _echo_preview(preview, file, as_json)
        if dry_run:
            if preview.problems:
                raise SystemExit(1)
            return
    user = _owner(owner)
    try:
        study_set, count = bank_service.import_bank(
            data,
            filename=file.name,
            fmt=fmt,
            owner=user,
            set_name=set_name,
            accept_unsupported=accept_unsupported,
            publish=publish,
            on_warning=None if as_json else lambda w: _echo_warning(file, w),
        )
    except bank_service.ImportRejected as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"{file}:{problem.get('line') or '?'}: {problem['message']}", err=True)
        raise click.ClickException(f"{file}: {exc}") from exc
    db.session.commit()
    if not as_json:
        click.echo(f"Imported {count} items into set {study_set.id}: {study_set.title}")


def _echo_preview(preview: bank_service.Preview, file: Path, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                preview.to_json() | {"problems": preview.problems + preview.unsupported},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"{file}: {preview.format}, {len(preview.items)} items")
    for problem in preview.problems + preview.unsupported:
        click.echo(f"{file}:{problem['line']}: {problem['message']}")
    for warning in preview.warnings:
        _echo_warning(file, warning)


def _echo_warning(file: Path, warning: dict[str, Any]) -> None:
    click.echo(f"{file}:{warning['line']}: warning: {warning['message']}", err=True)


def _owner(username: str | None) -> User | None:
    if not username:
        return None
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@click.command("export-bank")
@click.argument("set_ref", metavar="SET")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(bank_service.EXPORT_FORMATS),
    help="Format to write.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write ('-' for standard output).",
)
@with_appcontext
def export_bank_command(set_ref: str, fmt: str, output: Path) -> None:
    """Export a study set (by id or title) as a question bank."""
    study_set = bank_service.find_set(set_ref)
    if study_set is None:
        raise click.ClickException(f"no study set with id or title {set_ref!r}")
    content, _name, _mime = bank_service.export_set(study_set, fmt)
    if str(output) == "-":
        click.echo(content.decode("utf-8", errors="replace"), nl=False)
        return
    output.write_bytes(content)
    click.echo(f"Wrote {output} ({len(content)} bytes, {fmt})")


@click.command("export-all")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_all_command(archive: Path) -> None:
    """Back up every user's progress and every bank to a portable zip archive."""
    from quizapp.services import backup

    counts = backup.export_all(archive)
    click.echo(f"Wrote {archive}: {sum(counts.values())} rows from {len(counts)} tables")


@click.command("import-all")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_all_command(archive: Path) -> None:
    """Restore a backup made by export-all into an empty, upgraded database."""
    from quizapp.services import backup

    try:
        counts = backup.import_all(archive)
    except backup.BackupError as exc:
        db.session.rollback()
        raise click.ClickException(f"{archive}: {exc}") from exc
    db.session.commit()
    click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables")


COMMANDS = [
    setup_command, build_set_command, create_user_command, import_bank_command,
    export_bank_command, export_all_command, import_all_command,
]  # fmt: skip
