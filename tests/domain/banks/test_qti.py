"""QTI 1.2 export: a Canvas-shaped zip whose XML is well formed and typed per item."""

import io
import zipfile

import pytest
from defusedxml import ElementTree

from quizapp.domain.banks import BankError, BankItem, Choice, NumericAnswer, qti

NS = {
    "q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2",
    "m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
}

ITEMS = [
    BankItem(
        type="mcq",
        title="Capital",
        prompt="Capital of <France>?",
        choices=[Choice("Paris", 1.0, "Yes"), Choice("Lyon")],
        general_feedback="987",
    ),
    BankItem(
        type="multi",
        prompt="Primes",
        choices=[Choice("2", 0.5), Choice("3", 0.5), Choice("4", -1.0)],
    ),
    BankItem(type="true_false", prompt="Sky is blue", answers=["True"]),
    BankItem(
        type="short_answer", prompt="Who?", choices=[Choice("no one", 1.0), Choice("Grant", 0.5)]
    ),
    BankItem(type="flashcard", prompt="le chat", answers=["the cat"]),
    BankItem(type="cloze", prompt="The _____ is long.", answers=["Nile"]),
    BankItem(type="cloze", prompt="_____ meets _____.", answers=["Nile", "sea"]),
    BankItem(type="numerical", prompt="Pi?", numeric=[NumericAnswer(3.14, 0.01)]),
    BankItem(type="matching", prompt="Match", pairs=[("a", "1"), ("b", "2"), ("", "3")]),
    BankItem(type="essay", prompt="Write."),
    BankItem(type="description", prompt="Read."),
]


@pytest.fixture(scope="module")
def package():
    return zipfile.ZipFile(io.BytesIO(qti.dump(ITEMS, title="Rivers & Seas")))


def test_package_layout(package):
    names = package.namelist()
    assert names[0] == "imsmanifest.xml" and len(names) == 3
    manifest = ElementTree.fromstring(package.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iterfind(".//m:file", NS)]
    assert sorted(hrefs) == sorted(names[1:])
    assert any(n.endswith("/assessment_meta.xml") for n in names)


def test_question_types(package):
    name = next(n for n in package.namelist() if n.count("/") == 1 and "meta" not in n)
    root = ElementTree.fromstring(package.read(name))
    assessment = root.find("q:assessment", NS)
    assert assessment.get("title") == "Rivers & Seas"
    items = root.findall(".//q:item", NS)
    types = [
        next(
            f.findtext("q:fieldentry", namespaces=NS)
            for f in item.iterfind(".//q:qtimetadatafield", NS)
            if f.findtext("q:fieldlabel", namespaces=NS) == "question_type"
        )
        for item in items
    ]
    assert types == [
        "multiple_choice_question",
        "multiple_answers_question",
        "true_false_question",
        "short_answer_question",
        "short_answer_question",
        "short_answer_question",
        "fill_in_multiple_blanks_question",
        "numerical_question",
        "matching_question",
        "essay_question",
        "text_only_question",
    ]
    assert len({item.get("ident") for item in items}) == len(items)
    prompt = items[0].find(".//q:presentation/q:material/q:mattext", NS).text
    assert prompt == "<p>Capital of &lt;France&gt;?</p>"
    fib = [v.text for v in items[3].iterfind(".//q:varequal", NS)]
    assert fib == ["no one"]
    assert "[blank1] meets [blank2]." in items[6].find(".//q:mattext", NS).text
    assert len(items[8].findall(".//q:response_lid", NS)) == 2
    assert items[0].find(".//q:itemfeedback[@ident='general_fb']", NS) is not None


def test_export_is_deterministic():
    assert qti.dump(ITEMS, title="x") == qti.dump(ITEMS, title="x")


def test_parse_is_refused():
    with pytest.raises(BankError, match="export only"):
        qti.parse(b"PK")
