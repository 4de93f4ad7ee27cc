"""Bank imports as a service: all or nothing, and cheap on the collector in bulk."""

from __future__ import annotations

import gc
from collections import Counter

import pytest

from quizapp.extensions import db
from quizapp.services import banks


def _gift(questions: int, *, broken_last: bool = False) -> bytes:
    text = "\n\n".join(
        f"::Q{i}::Which number is {i}?{{={i} ~{i + 1} ~{i + 2}}}" for i in range(questions)
    )
    if broken_last:
        text += "\n\n::Broken::An answer block that never closes {=yes ~no"
    return text.encode()


@pytest.fixture
def collector_passes():
    """Count the cyclic collector's passes by generation while the test runs. It starts
    from a collected heap: a full pass already due after earlier tests' allocations (the
    collector's counters carry over) is not the import's doing."""
    gc.collect()
    passes: Counter[int] = Counter()

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            passes[info["generation"]] += 1

    gc.callbacks.append(record)
    yield passes
    gc.callbacks.remove(record)


def test_a_bulk_import_parses_and_inserts_without_collector_passes(app, collector_passes):
    """5,000 questions allocate hundreds of thousands of objects; the collector is paused
    while they are parsed and inserted (no full pass walks them all), and running again
    afterwards."""
    with app.app_context():
        _, count = banks.import_bank(_gift(5000), filename="big.gift", set_name="Big")
        db.session.commit()
    assert count == 5000
    assert gc.isenabled()
    assert collector_passes[2] == 0, dict(collector_passes)


def test_a_rejected_import_leaves_the_collector_running(app):
    with app.app_context(), pytest.raises(banks.ImportRejected, match="nothing was imported"):
        banks.import_bank(_gift(50, broken_last=True), filename="broken.gift", set_name="B")
    assert gc.isenabled()
