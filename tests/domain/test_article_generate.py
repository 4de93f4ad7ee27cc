"""Generator tests: coverage, item invariants, determinism and robustness."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.articles import (
    ArticleError,
    ArticleTooLarge,
    BinaryInput,
    EmptyArticle,
    build_study_set,
    generate_study_set,
    parse_article,
)
from quizapp.domain.items import validate_item

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "question_banks" / "alaska-summit.txt"
DATA = ROOT / "tests" / "data" / "articles"
ARTICLE_FILES = [SEED, *sorted(DATA.iterdir())]
KEY_KINDS = {"takeaways", "pros", "cons", "analysis"}
BLANK = "_____"


def build(path: Path, seed: int = 0) -> dict[str, Any]:
    return build_study_set(path.read_bytes(), filename=path.name, seed=seed)


def norm(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .:;,!?\"'“”‘’…")


@pytest.fixture(scope="module", params=ARTICLE_FILES, ids=lambda p: p.name)
def study_set(request: pytest.FixtureRequest) -> dict[str, Any]:
    return build(request.param)


@pytest.fixture(scope="module")
def seed_set() -> dict[str, Any]:
    return build(SEED)


# --------------------------------------------------------------------------- shape


def test_seed_shape(seed_set: dict[str, Any]) -> None:
    assert {"title", "format", "seed", "warnings", "sections", "items", "counts"} <= set(seed_set)
    assert seed_set["title"].startswith("Alaska’s Shadow")
    assert seed_set["format"] == "text"
    assert seed_set["seed"] == 0
    assert seed_set["warnings"] == []
    kinds = Counter(s["kind"] for s in seed_set["sections"])
    assert (kinds["pros"], kinds["cons"], kinds["takeaways"], kinds["analysis"]) == (1, 1, 1, 1)
    assert seed_set["counts"] == dict(Counter(i["type"] for i in seed_set["items"])) | {
        t: 0 for t in seed_set["counts"] if t not in {i["type"] for i in seed_set["items"]}
    }
    for item in seed_set["items"]:
        assert {"id", "type", "prompt", "choices", "answers", "pairs", "explanation",
                "provenance", "back", "tags"} <= set(item)  # fmt: skip
        assert {"kind", "heading", "text", "sentence", "start", "end", "section_index"} <= set(
            item["provenance"]
        )


def test_seed_has_all_six_types(seed_set: dict[str, Any]) -> None:
    assert all(seed_set["counts"][t] > 0 for t in
               ("flashcard", "mcq", "multi", "true_false", "cloze", "matching"))  # fmt: skip


def test_at_least_five_types(study_set: dict[str, Any]) -> None:
    assert sum(1 for n in study_set["counts"].values() if n) >= 5


# --------------------------------------------------------------------------- invariants


def test_every_key_entry_is_covered(study_set: dict[str, Any]) -> None:
    covered = {(i["provenance"]["section_index"], i["provenance"]["text"])
               for i in study_set["items"]}  # fmt: skip
    for index, section in enumerate(study_set["sections"]):
        if section["kind"] in KEY_KINDS:
            for entry in section["items"]:
                assert (index, entry["text"]) in covered, entry["text"]


def test_provenance_points_at_the_article(study_set: dict[str, Any]) -> None:
    text = study_set["text"]
    for item in study_set["items"]:
        prov = item["provenance"]
        section = study_set["sections"][prov["section_index"]]
        assert prov["heading"] == section["heading"] and prov["kind"] == section["kind"]
        assert prov["text"] in [e["text"] for e in section["items"]]
        assert text[prov["start"] : prov["end"]] == prov["text"]
        assert prov["sentence"] and prov["sentence"] in prov["text"]
        assert text[prov["sentence_start"] : prov["sentence_end"]] == prov["sentence"]
        assert prov["sentence"] in item["explanation"]
        assert item["explanation"].startswith(("From “", "It is listed", "That description"))


def test_choice_questions(study_set: dict[str, Any]) -> None:
    for item in study_set["items"]:
        if item["type"] not in ("mcq", "multi"):
            continue
        choices, answers = item["choices"], item["answers"]
        assert 2 <= len(choices) <= 5, item["prompt"]
        assert len({norm(c) for c in choices}) == len(choices), choices
        assert answers and set(answers) <= set(choices)
        distractors = [c for c in choices if c not in answers]
        assert distractors
        assert not {norm(d) for d in distractors} & {norm(a) for a in answers}
        if item["type"] == "mcq":
            assert len(answers) == 1
        else:
            assert item["prompt"].endswith("(Select all that apply)")


def test_multi_answers_really_come_from_the_asked_list(study_set: dict[str, Any]) -> None:
    for item in study_set["items"]:
        if item["type"] != "multi":
            continue
        section = study_set["sections"][item["provenance"]["section_index"]]
        listed = {norm(e["label"] or "") for e in section["items"]} | {
            norm(e["text"]) for e in section["items"]
        }
        for choice in item["choices"]:
            is_listed = norm(choice) in listed or any(
                e["text"].startswith(choice) for e in section["items"]
            )
            assert is_listed == (choice in item["answers"]), choice


def test_true_false(study_set: dict[str, Any]) -> None:
    answers = Counter()
    for item in study_set["items"]:
        if item["type"] == "true_false":
            assert item["choices"] == ["True", "False"]
            assert item["answers"] in (["True"], ["False"])
            answers[item["answers"][0]] += 1
    assert answers["True"] and answers["False"]
    assert abs(answers["True"] - answers["False"]) <= max(2, sum(answers.values()) // 4)


def test_seed_true_false_statements(seed_set: dict[str, Any]) -> None:
    statements = {i["prompt"]: i["answers"][0] for i in seed_set["items"]
                  if i["type"] == "true_false"}  # fmt: skip
    for prompt, answer in statements.items():
        match = re.fullmatch(r"“(.+)” is listed as an? (pro|con) for Putin\.", prompt)
        if match:
            label, side = match.groups()
            cons = {e["label"] for s in seed_set["sections"] if s["kind"] == "cons"
                    for e in s["items"]}  # fmt: skip
            assert answer == ("True" if (label in cons) == (side == "con") else "False")


def test_cloze(study_set: dict[str, Any]) -> None:
    clozes = [i for i in study_set["items"] if i["type"] == "cloze"]
    assert clozes
    for item in clozes:
        (word,) = item["answers"]
        prompt, sentence = item["prompt"], item["provenance"]["sentence"]
        assert prompt.count(BLANK) == 1
        assert re.search(rf"(?<!\w){re.escape(word)}(?!\w)", sentence)
        assert word.lower() not in prompt.lower()
        assert prompt.replace(BLANK, word) == sentence


def test_every_takeaway_has_a_cloze(study_set: dict[str, Any]) -> None:
    cloze_texts = {i["provenance"]["text"] for i in study_set["items"] if i["type"] == "cloze"}
    for section in study_set["sections"]:
        if section["kind"] == "takeaways":
            for entry in section["items"]:
                assert entry["text"] in cloze_texts


def test_flashcards_for_labelled_entries(study_set: dict[str, Any]) -> None:
    cards = {(i["prompt"], i["back"]) for i in study_set["items"] if i["type"] == "flashcard"}
    for section in study_set["sections"]:
        if section["kind"] in KEY_KINDS:
            for entry in section["items"]:
                if entry["label"]:
                    assert (entry["label"], entry["text"]) in cards
    for item in study_set["items"]:
        if item["type"] == "flashcard":
            assert item["back"] and item["answers"] == [item["back"]]


def test_matching(study_set: dict[str, Any]) -> None:
    for item in study_set["items"]:
        if item["type"] != "matching":
            continue
        section = study_set["sections"][item["provenance"]["section_index"]]
        by_label = {e["label"]: e["text"] for e in section["items"]}
        assert len(item["pairs"]) >= 2
        for label, description in item["pairs"]:
            assert by_label[label].startswith(description)
        assert sorted(item["choices"]) == sorted(p[1] for p in item["pairs"])


def test_seed_matching_and_analysis(seed_set: dict[str, Any]) -> None:
    (aims,) = [i for i in seed_set["items"] if i["prompt"] == "Match each aim to its description."]
    assert [p[0] for p in aims["pairs"]] == [
        "Legitimacy and Recognition",
        "Fracturing Western Alliances",
        "Reshaping the European Security Order",
        "Testing Trump’s Resolve and Leveraging His Pragmatism",
        "Gaining Strategic Advantages in Ukraine",
        "Domestic Political Reinforcement",
    ]
    described = [i for i in seed_set["items"] if i["prompt"].startswith("Which aim is described")]
    assert len(described) == 6
    for item in described:
        (label,) = item["answers"]
        assert label.split()[0].lower() not in item["prompt"].lower()  # label words are masked


def test_seed_side_questions(seed_set: dict[str, Any]) -> None:
    prompts = {i["prompt"] for i in seed_set["items"]}
    assert "Which of these is listed as a con for Putin?" in prompts
    assert "Which of these is listed as a pro for Putin?" in prompts
    assert "Which of the following are listed as pros for Putin? (Select all that apply)" in prompts
    assert "Which of these is one of the article’s key takeaways?" in prompts


def test_items_pass_the_shared_item_validation(study_set: dict[str, Any]) -> None:
    for item in study_set["items"]:
        assert validate_item(item) == [], item


def test_no_duplicate_questions(study_set: dict[str, Any]) -> None:
    keys = [(i["type"], norm(i["prompt"])) for i in study_set["items"]]
    assert len(keys) == len(set(keys))
    ids = [i["id"] for i in study_set["items"]]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z_]+-[0-9a-f]{10}", i) for i in ids)


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("path", ARTICLE_FILES, ids=lambda p: p.name)
def test_same_seed_same_bytes(path: Path) -> None:
    first = json.dumps(build(path, seed=7), ensure_ascii=False, indent=2)
    second = json.dumps(build(path, seed=7), ensure_ascii=False, indent=2)
    assert first == second


def test_other_seeds_shuffle_but_keep_ids() -> None:
    a, b = build(SEED, seed=0), build(SEED, seed=1)
    assert json.dumps(a) != json.dumps(b)
    cards_a = {i["id"] for i in a["items"] if i["type"] in ("flashcard", "cloze", "matching")}
    cards_b = {i["id"] for i in b["items"] if i["type"] in ("flashcard", "cloze", "matching")}
    assert cards_a == cards_b


def test_seed_build_is_fast() -> None:
    data = SEED.read_bytes()
    build_study_set(data)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        build_study_set(data, filename=SEED.name)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05


def test_long_article_stays_fast() -> None:
    body = SEED.read_text(encoding="utf-8")
    big = body + "\n\n" + "\n\n".join(body.split("\n", 1)[1] for _ in range(30))  # ~0.4 MB
    start = time.perf_counter()
    result = build_study_set(big)
    assert time.perf_counter() - start < 3
    assert result["items"]


# --------------------------------------------------------------------------- robustness


def test_no_lists_gives_warnings_not_errors() -> None:
    result = build_study_set("A Quiet Essay\n\nIt has only prose. Nothing else.\n", seed=3)
    assert result["items"] == []
    assert "no lists found" in result["warnings"]
    assert any("no study items" in w for w in result["warnings"])


def test_other_lists_only_still_give_something() -> None:
    text = "Packing Notes\n\nBring These\n\n- A waterproof jacket for the mountains.\n- Boots.\n"
    result = build_study_set(text)
    assert any("no takeaways" in w for w in result["warnings"])
    assert {i["type"] for i in result["items"]} <= {"cloze"}


def test_single_sided_list() -> None:
    md = "# Solo\n\n## Benefits\n\n- Cheaper energy bills for most households.\n- Quieter.\n"
    result = build_study_set(md, fmt="markdown")
    texts = {i["provenance"]["text"] for i in result["items"]}
    assert {"Cheaper energy bills for most households.", "Quieter."} <= texts


@pytest.mark.parametrize(
    ("data", "kwargs", "error"),
    [
        (b"", {}, EmptyArticle),
        (b"\x00\x01\x02binary", {}, BinaryInput),
        ("x" * 50, {"max_bytes": 10}, ArticleTooLarge),
    ],
)
def test_build_errors(data: bytes | str, kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        build_study_set(data, **kwargs)


@settings(max_examples=60, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["Title", "Pros", "Cons:", "Key Takeaways", "- ", "• ", "1. ", "Cost: ",
                         "word", "The end.", "\n", "\n\n", "<li>", "## ", "A: b", "_____"]),
        max_size=60,
    ).map("".join),
    seed=st.integers(0, 5),
)  # fmt: skip
def test_generation_never_raises(text: str, seed: int) -> None:
    try:
        article = parse_article(text)
    except ArticleError:
        return
    draft = generate_study_set(article, seed=seed)
    json.dumps(draft.to_dict(), ensure_ascii=False)
    for item in draft.items:
        if item.type == "cloze":
            assert item.prompt.count(BLANK) >= 1
