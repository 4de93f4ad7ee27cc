"""Two gunicorn instances on two ports, one PostgreSQL: a learner's session moves freely."""

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from support import POSTGRES_URL, REPO_ROOT, free_port, reset_postgres, wait_until_serving

pytestmark = pytest.mark.postgres


class Browser:
    """A cookie-keeping HTTP client that can talk to either server."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[str, str]:
        with self.opener.open(url, timeout=10) as reply:
            return reply.geturl(), reply.read().decode()

    def post(self, url: str, form: dict, page: str) -> tuple[str, str]:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({**form, "csrf_token": token}, doseq=True).encode()
        with self.opener.open(url, data=data, timeout=10) as reply:
            return reply.geturl(), reply.read().decode()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs QUIZAPP_TEST_POSTGRES_URL")
def test_two_gunicorn_instances_share_one_session(tmp_path: Path):
    reset_postgres(POSTGRES_URL)
    env = dict(
        os.environ,
        DATABASE_URL=POSTGRES_URL,
        SECRET_KEY="shared-secret",
        QUIZAPP_INSTANCE_PATH=str(tmp_path),
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "quizapp", "setup"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "quizapp",
            "create-user",
            "lea",
            "--password",
            "password123",
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "quizapp:create_app()",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        wait_until_serving(a)
        wait_until_serving(b)
        me = Browser()
        _, login = me.get(a + "/auth/login")
        me.post(a + "/auth/login", {"username": "lea", "password": "password123"}, login)
        _, home = me.get(b + "/")  # the other server knows who I am
        assert "lea" in home
        set_path = re.search(r'href="(/sets/\d+)"', home)[1]
        _, set_page = me.get(b + set_path)
        question_url, question = me.post(b + set_path + "/attempts", {"mode": "practice"}, set_page)
        path = urllib.parse.urlsplit(question_url).path
        choice = re.search(r'name="answer"[^>]*value="([^"]+)"', question)
        answer = choice[1] if choice else "anything"
        _, feedback = me.post(a + path, {"answer": answer}, question)  # answered on server A
        assert "Your answer" in feedback
        _, again = me.get(b + path)  # and server B shows the stored answer
        assert "Your answer" in again
        engine = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM response").scalar() == 1
        engine.dispose()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        reset_postgres(POSTGRES_URL)
