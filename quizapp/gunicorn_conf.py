"""gunicorn settings for production (``-c python:quizapp.gunicorn_conf``).

    gunicorn -c python:quizapp.gunicorn_conf -b 0.0.0.0:8000 'quizapp:create_app()'

Why these (measured in bench/README.md, third round, on a 2-core machine):

* ``gthread`` workers keep connections alive. gunicorn's sync workers close every
  connection and then wait (up to 2 s) for the client to close its side; under load that wait
  keeps workers idle while requests queue. On SQLite the 500-learner run served 163-171
  requests/s with gthread against 119-142 with sync workers, with no failures.
* The keep-alive timeout (75 s) outlasts the idle limit of browsers, proxies and HTTP client
  libraries, so the client closes an idle connection first and never sends a request on one
  the server has just closed.
* ``preload_app``: the app is imported and its templates compiled once, in the master, before
  the workers fork. Workers start warm (a cold worker needs 1-2 s of imports per process, all
  at once, on a restart under load) and share those pages of memory.

* Eight worker processes of one thread each, not four of four (bench/README.md, eighth
  round): a request that holds SQLite's write lock or a PostgreSQL row lock gives up the GIL
  at every statement, and with sibling threads in its process it waited for their Python
  before its next statement while other writers queued. One thread per process: ratings
  +19 % on SQLite (1,078 vs 907 req/s), the 60-s 500-learner run on PostgreSQL p95 12 ms
  vs 31 ms. gthread still keeps idle connections open with one thread. Each process is a
  fork of the preloaded master, so most of its memory is shared.

Environment: ``WEB_CONCURRENCY`` (workers, default 8), ``GUNICORN_THREADS`` (threads per
worker, default 1), ``GUNICORN_KEEPALIVE`` (seconds, default 75).
"""

from __future__ import annotations

import os
from typing import Any

workers = int(os.environ.get("WEB_CONCURRENCY", "8"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
preload_app = True


def when_ready(server: Any) -> None:
    """In the master, after the app is loaded and before any worker forks."""
    from quizapp import warm_up

    warm_up(server.app.wsgi())
