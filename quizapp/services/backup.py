"""Backups: every table to a portable zip of JSON lines, and back into an empty database.

The archive is independent of the database engine (SQLite to PostgreSQL and back works): each
table is written as one JSON object per row, in foreign-key order, with the schema revision.
Restoring checks the target is empty and at the same revision, inserts everything in one
transaction, and moves PostgreSQL's id sequences past the restored ids.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.model_base import UTCDateTime

FORMAT = "quizapp-backup"
VERSION = 1
# Not worth keeping: short-lived counters and nonces.
SKIPPED = {"rate_limit", "lti_nonce"}
# A member that inflates past this, or compresses better than this ratio above a few MB, is
# a zip bomb rather than a backup: refused before it is decompressed.
MAX_MEMBER_BYTES = 4 * 1024**3
MAX_RATIO = 200


class BackupError(ValueError):
    """The archive cannot be restored here (wrong file, not empty, other schema revision)."""


def _tables() -> list[sa.Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED]


def _revision() -> str | None:
    try:
        return db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DatabaseError:
        db.session.rollback()
        return None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    return value


def _decode(column: sa.Column, value: Any) -> Any:
    if isinstance(value, dict) and "$dt" in value and isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value["$dt"])
    if isinstance(value, dict) and "$b64" in value and isinstance(column.type, sa.LargeBinary):
        return base64.b64decode(value["$b64"])
    return value


def export_all(target: BinaryIO | str | Path) -> dict[str, int]:
    """Write every table to a zip archive; returns the row count per table."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in _tables():
            buffer = io.StringIO()
            rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
            for row in rows.mappings():
                buffer.write(
                    json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n"
                )
                counts[table.name] = counts.get(table.name, 0) + 1
            archive.writestr(f"tables/{table.name}.jsonl", buffer.getvalue())
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "revision": _revision(),
            "tables": [t.name for t in _tables()],
            "counts": counts,
            "created_at": datetime.now().astimezone().isoformat(),
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return counts


def import_all(source: BinaryIO | str | Path) -> dict[str, int]:
    """Restore an archive into an empty database (all or nothing); returns rows per table."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise BackupError("not a quizapp backup: the file is not a zip archive") from exc
    with archive:
        _refuse_bombs(archive)
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise BackupError("not a quizapp backup: manifest.json is missing") from exc
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise BackupError("not a quizapp backup of a version this quizapp can read")
        revision = _revision()
        if manifest.get("revision") and revision and manifest["revision"] != revision:
            raise BackupError(
                f"the backup is of schema revision {manifest['revision']}, this "
                f"database is at {revision}: upgrade both to the same revision"
            )
        tables = {t.name: t for t in _tables()}
        for table in tables.values():
            if db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise BackupError(
                    f"the database is not empty (table {table.name} has rows); "
                    "restore into an empty database"
                )
        counts = {}
        for name in manifest["tables"]:
            table = tables.get(name)
            if table is None:
                raise BackupError(f"the backup has a table this quizapp does not know: {name}")
            lines = archive.read(f"tables/{name}.jsonl").decode().splitlines()
            rows = [
                {k: _decode(table.c[k], v) for k, v in json.loads(line).items()}
                for line in lines
                if line
            ]
            if rows:
                db.session.execute(table.insert(), rows)
            counts[name] = len(rows)
        _advance_sequences(tables.values())
    db.session.flush()
    return counts


def _refuse_bombs(archive: zipfile.ZipFile) -> None:
    for info in archive.infolist():
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > 8 * 1024**2 and ratio > MAX_RATIO
        ):
            raise BackupError(
                f"refused {info.filename}: it would inflate to {info.file_size:,} "
                f"bytes from {info.compress_size:,} (a zip bomb?)"
            )


def _advance_sequences(tables: Any) -> None:
    """After explicit ids, PostgreSQL's sequences must continue past the highest one."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )
