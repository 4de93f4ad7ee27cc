"""A rate-limit storage in quizapp's own SQL database, so limits hold across processes.

Flask-Limiter's counters live in memory by default, so each gunicorn worker would count on
its own. With ``RATELIMIT_STORAGE_URI=database`` (the default outside tests) they live in the
``rate_limit`` table of the app's database instead: one fixed-window counter per key, updated
with a single atomic upsert, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from limits.storage import Storage

PREFIX = "db+"
INCR = sa.text(
    "INSERT INTO rate_limit (key, count, expires_at) VALUES (:key, :amount, :expires) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_limit.expires_at <= :now THEN :amount "
    "ELSE rate_limit.count + :amount END, "
    "expires_at = CASE WHEN rate_limit.expires_at <= :now THEN :expires "
    "ELSE rate_limit.expires_at END "
    "RETURNING count"
)


class DatabaseStorage(Storage):
    """``db+<sqlalchemy url>``: fixed-window counters in the ``rate_limit`` table."""

    STORAGE_SCHEME = ["db+sqlite", "db+postgresql", "db+postgresql+psycopg"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        url = uri[len(PREFIX) :]
        connect_args = {"timeout": 15} if url.startswith("sqlite") else {}
        # No pool: a hit is rare (sign-in, uploads) and a pooled connection per app instance
        # would stay open for the life of the process.
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=connect_args)
        if url.startswith("sqlite"):
            # A file of its own (see config._ratelimit_uri): the table is made here, not by
            # the app's migrations.
            with self.engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                conn.exec_driver_sql(
                    "CREATE TABLE IF NOT EXISTS rate_limit (key VARCHAR(255) PRIMARY KEY, "
                    "count INTEGER NOT NULL DEFAULT 0, expires_at FLOAT NOT NULL)"
                )

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    INCR, {"key": key, "amount": amount, "now": now, "expires": now + expiry}
                ).scalar_one()
            )

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(
                sa.text("SELECT count FROM rate_limit WHERE key = :key AND expires_at > :now"),
                {"key": key, "now": time.time()},
            ).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            expires = conn.execute(
                sa.text("SELECT expires_at FROM rate_limit WHERE key = :key"), {"key": key}
            ).scalar()
        return float(expires) if expires else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(sa.text("DELETE FROM rate_limit")).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM rate_limit WHERE key = :key"), {"key": key})
