"""The README's first command, for real: `setup` then `run` in fresh processes."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from support import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env["QUIZAPP_INSTANCE_PATH"] = str(instance)
    return env


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "quizapp", *args]


def test_setup_then_run_serves_the_seed_set(tmp_path):
    instance = tmp_path / "instance"
    env = _env(instance)
    for _ in range(2):  # twice: the second run must change nothing
        done = subprocess.run(
            _flask("setup"), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    assert "ok       alaska-summit.txt" in done.stdout
    assert (instance / "quizapp.sqlite").exists() and (instance / "secret_key").exists()
    port = _free_port()
    server = subprocess.Popen(
        _flask("run", "--port", str(port)),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, page = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    page = reply.read().decode()
                break
            except OSError:
                time.sleep(0.3)
        assert "Alaska’s Shadow" in page
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serving_without_a_secret_key_is_refused(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "FLASK_RUN_FROM_CLI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QUIZAPP_INSTANCE_PATH", str(tmp_path))
    code = "from quizapp import create_app; create_app()"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "SECRET_KEY is not set" in done.stderr
