"""export-all and import-all: a full round trip into an empty database, on either backend."""

import gc
import warnings
import zipfile

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import Attempt, CardState, Item, Response, ReviewLog, StudySet, User
from quizapp.services import accounts, sets, study

from support import POSTGRES_URL, SEED_ARTICLE, reset_postgres


def _app(url):
    return create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})


def _snapshot():
    return {
        "users": sorted(
            (u.username, u.role, u.password_hash) for u in db.session.scalars(sa.select(User))
        ),
        "items": sorted(
            (i.uid, i.type, i.prompt, tuple(i.answers)) for i in db.session.scalars(sa.select(Item))
        ),
        "responses": sorted(
            (r.item_id, r.correct, r.score, str(r.answer))
            for r in db.session.scalars(sa.select(Response))
        ),
        "cards": sorted(
            (c.item_id, c.state, c.stability, c.due)
            for c in db.session.scalars(sa.select(CardState))
        ),
        "reviews": db.session.scalar(sa.select(sa.func.count(ReviewLog.id))),
        "sections": [len(s.source.sections) for s in db.session.scalars(sa.select(StudySet))],
    }


def _fill():
    ada = accounts.create_user("ada", "password123", role="instructor")
    learner = accounts.create_user("lin", "password123")
    study_set = sets.create_set_from_article(SEED_ARTICLE.read_bytes(), owner=ada, publish=True)
    attempt = study.start_attempt(learner, study_set)
    for item_id in attempt.item_ids[:3]:
        item = db.session.get(Item, item_id)
        study.record_answer(
            attempt,
            item,
            item.answers[0] if item.type != "matching" else [list(p) for p in item.pairs],
        )
    card = sets.learner_items(study_set, types=("flashcard",))[0]
    study.review_card(learner, card, 3)
    db.session.commit()


TARGETS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.mark.parametrize("target", TARGETS)
def test_round_trip_into_an_empty_database(tmp_path, target):
    source = _app(f"sqlite:///{tmp_path / 'source.sqlite'}")
    with source.app_context():
        upgrade()
        _fill()
        before = _snapshot()
        db.engine.dispose()
    archive = tmp_path / "backup.zip"
    result = source.test_cli_runner().invoke(args=["export-all", str(archive)])
    assert result.exit_code == 0, result.output
    assert "manifest.json" in zipfile.ZipFile(archive).namelist()

    url = f"sqlite:///{tmp_path / 'restored.sqlite'}" if target == "sqlite" else POSTGRES_URL
    if target == "postgresql":
        reset_postgres(url)
    restored = _app(url)
    with restored.app_context():
        upgrade()
        db.engine.dispose()
    runner = restored.test_cli_runner()
    done = runner.invoke(args=["import-all", str(archive)])
    assert done.exit_code == 0, done.output
    with restored.app_context():
        assert _snapshot() == before
        # new rows still get fresh ids after the restore
        accounts.create_user("new", "password123")
        study.start_attempt(
            db.session.scalar(sa.select(User).where(User.username == "new")),
            db.session.scalar(sa.select(StudySet)),
        )
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 2
        db.engine.dispose()
    again = runner.invoke(args=["import-all", str(archive)])
    assert again.exit_code == 1 and "not empty" in again.output
    with restored.app_context():
        db.engine.dispose()  # close the CLI's pooled connection now, not at garbage collection
    if target == "postgresql":
        reset_postgres(url)
    # Two Flask apps were built on one PostgreSQL here; collect any psycopg connection they
    # left to the garbage collector now, quietly, rather than as a warning in a later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_import_all_rejects_other_files(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = app.test_cli_runner().invoke(args=["import-all", str(junk)])
    assert result.exit_code == 1 and "not a zip" in result.output


def test_import_all_refuses_a_zip_bomb_without_inflating_it(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", '{"format": "quizapp-backup", "version": 1}')
        archive.writestr("tables/user.jsonl", b"\0" * (64 * 1024**2))  # 64 MB of zeros
    assert bomb.stat().st_size < 1024**2
    app = _app(f"sqlite:///{tmp_path / 'y.sqlite'}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["import-all", str(bomb)])
    assert result.exit_code == 1 and "zip bomb" in result.output
