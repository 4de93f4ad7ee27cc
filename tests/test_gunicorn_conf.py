"""The production server settings (quizapp/gunicorn_conf.py) serve the app for real."""

import http.client
import os
import subprocess
import sys
from pathlib import Path

from support import REPO_ROOT, free_port, wait_until_serving


def test_production_settings_serve_pages_over_one_kept_alive_connection(tmp_path: Path):
    """gthread workers keep the browser's connection open between pages (sync workers
    closed it after every response), and the preloaded, warmed-up app serves real pages."""
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'quizapp.sqlite'}",
        SECRET_KEY="gunicorn-conf-test",
        QUIZAPP_INSTANCE_PATH=str(tmp_path),
        WEB_CONCURRENCY="2",
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "quizapp", "setup"],
        cwd=REPO_ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:quizapp.gunicorn_conf",
         "-b", f"127.0.0.1:{port}", "quizapp:create_app()"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_until_serving(f"http://127.0.0.1:{port}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        home = connection.getresponse()
        body = home.read().decode()
        socket_used = connection.sock
        assert home.status == 200
        assert home.getheader("Connection", "").lower() != "close"
        assert 'href="/sets/' in body  # the bundled study set is listed
        connection.request("GET", "/sets/1/flashcards")
        cards = connection.getresponse()
        assert cards.status == 200
        assert 'id="rating-form"' in cards.read().decode()
        assert connection.sock is socket_used  # the same TCP connection served both pages
        connection.close()
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=15)
    assert b"Traceback" not in errors, errors.decode()
    assert b"Using worker: gthread" in errors
