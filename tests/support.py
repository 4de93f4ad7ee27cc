"""Paths and helpers shared by test modules (fixtures live in conftest.py)."""

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = REPO_ROOT / "question_banks" / "alaska-summit.txt"
DATA_DIR = Path(__file__).resolve().parent / "data"


def csrf_token_from(html: str) -> str:
    """The CSRF token rendered into a page's form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no csrf token in page"
    return match.group(1)
