"""The ceiling: a bare Flask + Flask-SQLAlchemy app whose one endpoint does one indexed read
and one insert, served like quizapp (same gunicorn settings, same database).

load.py --ceiling starts it as ``gunicorn ... --chdir bench 'ceiling_app:create_app()'`` with
the same DATABASE_URL as quizapp and compares quizapp's answer and review endpoints with it.
Its two tables (ceiling_item, ceiling_log) live beside quizapp's and do not touch them.

    POST /answer/<item_id>   form: user_id, answer
        SELECT the item by primary key, INSERT a log row, COMMIT, 302 to /answer/<item_id>
    GET  /healthz

Run by hand (prints nothing but serves):
    DATABASE_URL=sqlite:////tmp/c.sqlite gunicorn -w 4 --chdir bench 'ceiling_app:create_app()'
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, redirect, request
from flask.typing import ResponseReturnValue
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
ITEMS = 1000


class CeilingItem(db.Model):
    __tablename__ = "ceiling_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt: Mapped[str] = mapped_column(sa.Text)


class CeilingLog(db.Model):
    __tablename__ = "ceiling_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("ceiling_item.id"))
    user_id: Mapped[int]
    answer: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


def database_uri() -> str:
    url = os.environ.get("DATABASE_URL", "sqlite:///ceiling.sqlite")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(uri: str) -> dict[str, Any]:
    """The same engine options quizapp uses (quizapp/config.py finalise). quizapp also tests
    a pooled PostgreSQL connection that sat idle for a second (db_events.install_idle_ping),
    which under load never happens; this app does not."""
    options: dict[str, Any] = {}
    if uri.startswith("sqlite"):
        options["connect_args"] = {"timeout": 15}
    else:
        options["pool_size"] = int(os.environ.get("DB_POOL_SIZE", 5))
        options["max_overflow"] = int(os.environ.get("DB_MAX_OVERFLOW", 5))
        options["pool_recycle"] = 1800
    return options


def install_sqlite_pragmas(app: Flask) -> None:
    """WAL, synchronous=NORMAL, reads in a deferred transaction and the write lock taken at
    the first write (a fresh BEGIN IMMEDIATE), as quizapp/db_events.py does."""
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")
        connection.info["reading"] = True

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection: sa.Connection, cursor: Any, statement: str, *_: Any) -> None:
        if connection.info.get("reading") and statement.lstrip().upper().startswith("INSERT"):
            cursor.execute("COMMIT")
            cursor.execute("BEGIN IMMEDIATE")
            connection.info["reading"] = False


def create_app() -> Flask:
    app = Flask(__name__)
    uri = database_uri()
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(uri)
    db.init_app(app)
    if uri.startswith("sqlite"):
        install_sqlite_pragmas(app)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return {"status": "ok"}

    @app.post("/answer/<int:item_id>")
    def answer(item_id: int) -> ResponseReturnValue:
        item = db.session.get(CeilingItem, item_id)  # the indexed read
        if item is None:
            abort(404)
        db.session.add(
            CeilingLog(
                item_id=item.id,
                user_id=int(request.form.get("user_id", 0)),
                answer=request.form.get("answer", ""),
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()
        return redirect(f"/answer/{item_id}")

    return app


def create_tables(url: str) -> None:
    """Create (again) the ceiling's tables with ITEMS items, outside any request."""
    os.environ["DATABASE_URL"] = url
    app = create_app()
    with app.app_context():
        CeilingLog.__table__.drop(db.engine, checkfirst=True)
        CeilingItem.__table__.drop(db.engine, checkfirst=True)
        db.create_all()
        db.session.execute(
            sa.insert(CeilingItem), [{"id": n, "prompt": f"item {n}"} for n in range(1, ITEMS + 1)]
        )
        db.session.commit()
        db.engine.dispose()


def count_logs(url: str) -> int:
    engine = sa.create_engine(database_uri() if not url else _normalise(url))
    with engine.connect() as conn:
        count = conn.scalar(sa.select(sa.func.count()).select_from(CeilingLog.__table__))
    engine.dispose()
    return int(count or 0)


def _normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--create-tables", metavar="DATABASE_URL",
                        help="create the ceiling tables in this database and exit")  # fmt: skip
    args = parser.parse_args()
    if args.create_tables:
        create_tables(args.create_tables)
        print(f"created ceiling_item ({ITEMS} rows) and ceiling_log")
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
