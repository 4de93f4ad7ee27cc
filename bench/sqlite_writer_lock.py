"""Experiment, not used by default: a gunicorn config file that makes quizapp's SQLite
writers queue on a blocking file lock instead of SQLite's busy handler.

Why: quizapp/db_events.py starts every non-GET request's transaction with BEGIN IMMEDIATE.
When another worker holds the write lock, SQLite's busy handler sleeps and retries (1, 2,
5, 10, 15, 20, 25, 25, 25, 50, 50, 100, 100 ... ms), so a waiting writer usually wakes long
after the lock was released: with 4 workers the write rate collapses and latency spikes.
Here each write transaction first takes an exclusive flock() on instance/sqlite-writer.lock
(the kernel wakes the next waiter at once) and keeps it until the connection goes back to
the pool at the end of the request. It prototypes the fix proposed in bench/README.md.

Use: python bench/load.py --db sqlite --gunicorn-config bench/sqlite_writer_lock.py
or:  gunicorn -c bench/sqlite_writer_lock.py -w 4 'quizapp:create_app()'
"""

from __future__ import annotations

import fcntl
import os
from typing import Any


def post_worker_init(worker: Any) -> None:
    import sqlalchemy as sa
    from flask import has_request_context, request

    from quizapp.extensions import db

    app = worker.wsgi
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    path = os.path.join(app.instance_path, "sqlite-writer.lock")

    @sa.event.listens_for(engine, "begin", insert=True)
    def _lock_before_begin(connection: sa.Connection) -> None:
        if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
            return
        info = connection.connection.info
        if info.get("writer_lock_held"):
            return
        if "writer_lock_fd" not in info:  # one open file per connection: flock is per open file
            info["writer_lock_fd"] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(info["writer_lock_fd"], fcntl.LOCK_EX)
        info["writer_lock_held"] = True

    @sa.event.listens_for(engine, "checkin")
    def _unlock_on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record.info.pop("writer_lock_held", False):
            fcntl.flock(record.info["writer_lock_fd"], fcntl.LOCK_UN)
