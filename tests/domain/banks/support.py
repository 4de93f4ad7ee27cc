"""Shared helpers for the bank-format tests: where the conformance set lives, item comparison."""

from __future__ import annotations

import os
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from quizapp.domain.banks import BankItem

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA = REPO_ROOT / "tests" / "data" / "banks"


def conformance_dir() -> Path | None:
    """$QUIZAPP_CONFORMANCE_DIR, else shared/conformance beside the repository."""
    env = os.environ.get("QUIZAPP_CONFORMANCE_DIR")
    path = Path(env) if env else (REPO_ROOT / ".." / "shared" / "conformance").resolve()
    return path if path.is_dir() else None


CONFORMANCE = conformance_dir()
needs_conformance = pytest.mark.skipif(
    CONFORMANCE is None,
    reason="conformance set not found: set QUIZAPP_CONFORMANCE_DIR or put shared/conformance "
    "beside the repository",
)


def conformance_files(pattern: str) -> list[Path]:
    """Files under the conformance set matching a glob, or [] when it is missing."""
    if CONFORMANCE is None:
        return []
    return sorted(p for p in CONFORMANCE.glob(pattern) if p.name != "MANIFEST.md")


def ws(text: str | None) -> str:
    """Whitespace-insensitive text; '_____' compared without the spaces around it."""
    text = " ".join((text or "").split())
    return re.sub(r"\s*_____\s*", "_____", text)


def canon(item: BankItem, *, drop: tuple[str, ...] = ("line",)) -> dict[str, Any]:
    """An item as a plain dict for equality checks, minus position fields."""
    data = asdict(item)
    data["pairs"] = [list(p) for p in data["pairs"]]
    for key in drop:
        data.pop(key, None)
    return data
