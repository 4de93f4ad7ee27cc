"""The CLI: setup, build-set and create-user."""

import json

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Item, StudySet, User

from support import SEED_ARTICLE


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count(StudySet.id))),
            db.session.scalar(sa.select(sa.func.count(Item.id))),
            sorted(db.session.scalars(sa.select(Item.uid))),
        )


def test_setup_twice_leaves_the_same_sets_and_items(tmp_path):
    from quizapp import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.sqlite'}",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "created  alaska-summit.txt" in first.output
    once = _counts(app)
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert "ok       alaska-summit.txt" in second.output
    assert _counts(app) == once
    assert once[0] == 1 and once[1] >= 20
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    with app.app_context():
        db.engine.dispose()


def test_build_set_json_writes_nothing_and_is_deterministic(app, runner):
    first = runner.invoke(args=["build-set", str(SEED_ARTICLE), "--json", "--seed", "7"])
    second = runner.invoke(args=["build-set", str(SEED_ARTICLE), "--json", "--seed", "7"])
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    data = json.loads(first.output)
    kinds = [s["kind"] for s in data["sections"]]
    assert kinds.count("takeaways") == 1 and kinds.count("pros") == 1
    assert _counts(app)[0] == 0


def test_build_set_saves_a_published_set(app, runner):
    result = runner.invoke(args=["build-set", str(SEED_ARTICLE)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        study_set = db.session.scalar(sa.select(StudySet))
        assert study_set.is_published
        assert study_set.title.startswith("Alaska’s Shadow")
        assert all(item.status == "published" for item in study_set.items)
        assert study_set.source.sections


def test_build_set_reports_bad_input_without_a_traceback(runner, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    for path in (empty, binary):
        result = runner.invoke(args=["build-set", str(path), "--json"])
        assert result.exit_code == 1
        assert str(path) in result.output and "Traceback" not in result.output


def test_build_set_refuses_huge_articles(app, runner, tmp_path):
    app.config["ARTICLE_MAX_BYTES"] = 1000
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "word " * 1000)
    result = runner.invoke(args=["build-set", str(big), "--json"])
    assert result.exit_code == 1
    assert "Error" in result.output and "Traceback" not in result.output


def test_create_user(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "ada",
            "--password",
            "s3cret-pass",
            "--role",
            "instructor",
            "--email",
            "ada@example.org",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "ada"))
        assert user.role == "instructor" and user.email == "ada@example.org"
        assert user.password_hash != "s3cret-pass" and user.check_password("s3cret-pass")
    again = runner.invoke(args=["create-user", "ada", "--password", "another-pass"])
    assert again.exit_code == 1 and "taken" in again.output
    short = runner.invoke(args=["create-user", "bob", "--password", "short"])
    assert short.exit_code == 1 and "8 characters" in short.output
