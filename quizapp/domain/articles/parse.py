"""Turn an analysis article (plain text, Markdown or HTML) into an :class:`Article`.

Each format is first reduced to the same short list of blocks (headings, paragraphs, lists);
one shared pass then builds the canonical text, splits it into sections and classifies the
lists.  Markdown is rendered to HTML first, so Markdown and HTML share the structural path.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from .model import (
    Article,
    ArticleTooLarge,
    BinaryInput,
    EmptyArticle,
    Entry,
    Paragraph,
    Section,
    UnreadableArticle,
    UnsupportedFormat,
)

DEFAULT_MAX_BYTES = 5_000_000

_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".mkd": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}
_FORMAT_ALIASES = {
    "text": "text",
    "txt": "text",
    "plain": "text",
    "markdown": "markdown",
    "md": "markdown",
    "html": "html",
    "htm": "html",
}

# --------------------------------------------------------------------------- vocabulary

_PROS = [
    ("pros", "pro"), ("advantages", "advantage"), ("benefits", "benefit"),
    ("upsides", "upside"), ("strengths", "strength"), ("opportunities", "opportunity"),
    ("merits", "merit"), ("positives", "positive"), ("gains", "gain"), ("rewards", "reward"),
    ("pluses", "plus"), ("wins", "win"),
]  # fmt: skip
_CONS = [
    ("cons", "con"), ("disadvantages", "disadvantage"), ("drawbacks", "drawback"),
    ("downsides", "downside"), ("risks", "risk"), ("weaknesses", "weakness"),
    ("limitations", "limitation"), ("threats", "threat"), ("challenges", "challenge"),
    ("concerns", "concern"), ("pitfalls", "pitfall"), ("negatives", "negative"),
    ("dangers", "danger"), ("shortcomings", "shortcoming"), ("criticisms", "criticism"),
    ("minuses", "minus"), ("obstacles", "obstacle"), ("problems", "problem"),
]  # fmt: skip
# Singular forms that are too ambiguous to mark a heading on their own ("A Big Win").
_AMBIGUOUS_SINGULAR = {"plus", "minus", "win", "gain", "positive", "negative", "reward"}

_PLURAL_VOCAB: dict[str, tuple[str, str]] = {}
_VOCAB: dict[str, tuple[str, str]] = {}
for _polarity, _pairs in (("pros", _PROS), ("cons", _CONS)):
    for _plural, _singular in _pairs:
        _PLURAL_VOCAB[_plural] = (_polarity, _singular)
        _VOCAB[_plural] = (_polarity, _singular)
        if _singular not in _AMBIGUOUS_SINGULAR:
            _VOCAB[_singular] = (_polarity, _singular)

_TAKEAWAY_RE = re.compile(
    r"\b(?:key\s+takeaways?|takeaways?|key\s+points?|main\s+points?|key\s+findings|summary"
    r"|summing\s+up|tl;?\s?dr|in\s+brief|in\s+short|in\s+a\s+nutshell|at\s+a\s+glance"
    r"|what\s+you\s+need\s+to\s+know|need\s+to\s+know|key\s+lessons?|lessons\s+learned"
    r"|lessons|highlights|key\s+facts|bottom\s+line|the\s+gist|recap|conclusions?"
    r"|quick\s+facts|key\s+messages?)\b"
)
_HEADING_MODIFIERS = {
    "key", "main", "potential", "possible", "the", "top", "major", "biggest", "big", "real",
    "hidden", "core", "primary", "chief", "some", "notable", "principal", "significant",
}  # fmt: skip
_PREPOSITIONS = {"for", "of", "to", "in", "from", "with", "on", "facing", "against"}
_NOT_SUBJECTS = {"watch", "consider", "know", "avoid", "note", "remember", "keep", "expect",
                 "weigh", "monitor", "come", "follow", "be"}  # fmt: skip
_ANALYSIS_NOUNS = {
    "aims": "aim", "goals": "goal", "objectives": "objective", "factors": "factor",
    "reasons": "reason", "drivers": "driver", "strategies": "strategy",
    "priorities": "priority", "motives": "motive", "motivations": "motivation",
    "interests": "interest", "demands": "demand", "steps": "step", "options": "option",
    "scenarios": "scenario", "tactics": "tactic", "themes": "theme", "issues": "issue",
    "questions": "question", "features": "feature", "principles": "principle",
    "components": "component", "elements": "element", "trends": "trend",
    "implications": "implication", "consequences": "consequence", "effects": "effect",
    "impacts": "impact", "outcomes": "outcome", "players": "player", "actors": "actor",
    "stakeholders": "stakeholder", "arguments": "argument", "causes": "cause",
    "measures": "measure", "policies": "policy", "recommendations": "recommendation",
    "tips": "tip", "ideas": "idea", "concepts": "concept", "terms": "term",
    "definitions": "definition", "areas": "area", "pillars": "pillar", "stages": "stage",
    "phases": "phase", "roles": "role", "tools": "tool", "methods": "method",
    "approaches": "approach", "objections": "objection", "questions to ask": "question",
}  # fmt: skip
# Words that may not end a "Label:" (they signal a clause: "The reason is this: ...").
_LABEL_END_STOP = {
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "this", "that", "these",
    "those", "following", "include", "includes", "including", "and", "or", "of", "to", "with",
    "as", "by", "in", "on", "at", "said", "says", "say", "it", "its", "their", "his", "her",
    "we", "they", "he", "she", "you", "i", "will", "would", "must", "should", "can", "could",
}  # fmt: skip
_SMALL_WORDS = {
    "a", "an", "the", "and", "or", "nor", "but", "of", "for", "to", "in", "on", "at", "by",
    "with", "from", "as", "vs", "via", "into", "over", "per", "is", "are", "its", "than",
    "up", "out", "off", "about", "versus", "v",
}  # fmt: skip
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "inc", "ltd", "co", "corp", "jr", "sr",
    "gen", "gov", "sen", "rep", "no", "fig", "approx",
}  # fmt: skip

# --------------------------------------------------------------------------- normalisation

_WS_RE = re.compile(r"\s+")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL_RE = re.compile("[\x01-\x08\x0e-\x1f\x7f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_WORD_RE = re.compile(r"[^\W_][\w’'\-]*")


def _norm(text: str) -> str:
    """Collapse whitespace (NBSP included) and drop invisible characters."""
    return _WS_RE.sub(" ", _INVISIBLE_RE.sub("", text)).strip()


def _key(text: str) -> str:
    """Return a comparison key: case-folded, whitespace collapsed, edge punctuation dropped."""
    return _WS_RE.sub(" ", text.casefold()).strip(" .:;,!?\"'“”‘’")


def _is_title_case(text: str) -> bool:
    """Tell whether most significant words start with a capital, as headings do."""
    words = _WORD_RE.findall(text)
    if not words or not (words[0][0].isupper() or words[0][0].isdigit()):
        return False
    significant = [w for w in words[1:] if w.lower() not in _SMALL_WORDS]
    if not significant:
        return True
    capitals = sum(1 for w in significant if w[0].isupper() or w[0].isdigit())
    return capitals / len(significant) >= 0.6


_CLAUSE_WORDS = {
    "are", "is", "was", "were", "be", "include", "includes", "including", "have", "has", "had",
    "should", "consider", "can", "could", "will", "would", "must", "may", "might", "do", "does",
    "we", "you", "they", "there", "here", "i", "also",
}  # fmt: skip


def _starts_with_vocab(text: str) -> bool:
    """Tell whether the text opens with a list word ("Advantages for schools:").

    Clauses such as "The main advantages are:" introduce a list but are not headings.
    """
    words = _WORD_RE.findall(text.lower().replace("’", "'"))
    if any(word in _CLAUSE_WORDS for word in words):
        return False
    for word in words:
        if word in _HEADING_MODIFIERS:
            continue
        return word in _VOCAB or bool(_TAKEAWAY_RE.match(word))
    return False


# --------------------------------------------------------------------------- blocks


@dataclass(slots=True)
class _Heading:
    text: str
    level: int = 2
    sub: bool = False


@dataclass(slots=True)
class _Para:
    text: str


@dataclass(slots=True)
class _Item:
    text: str
    label: str | None = None


@dataclass(slots=True)
class _List:
    items: list[_Item] = field(default_factory=list)


_Block = _Heading | _Para | _List

# --------------------------------------------------------------------------- public entry


def parse_article(
    data: bytes | str,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Article:
    """Parse an uploaded article into sections, lists and canonical text.

    :raises ArticleError: (a subclass) when the input is empty, binary, too large or the
        format is unknown; never for an article that merely lacks lists.
    """
    text = _decode(data, max_bytes)
    if not _INVISIBLE_RE.sub("", text).strip():
        raise EmptyArticle("The article is empty.")
    chosen = _resolve_format(text, filename, fmt)
    notes: list[str] = []
    try:
        if chosen == "html":
            from . import markup  # bs4 and markdown-it load on the first such article

            title, blocks = markup.html_blocks(text)
        elif chosen == "markdown":
            from . import markup

            title, blocks = markup.markdown_blocks(text)
            if not blocks and not title:
                # markdown-it drops text nested past its limit; read it as plain text instead.
                title, blocks = _text_blocks(text)
        else:
            title, blocks = _text_blocks(text)
        return _assemble(blocks, title, chosen, notes, filename)
    except RecursionError as exc:
        raise UnreadableArticle("The article's markup is nested too deeply to read.") from exc


def sniff_format(text: str) -> str:
    """Guess "html", "markdown" or "text" from the content alone."""
    head = text[:20_000]
    tags = _HTML_SNIFF_RE.findall(head)
    if tags and (head.lstrip().startswith("<") or len(tags) >= 2):
        return "html"
    if _MD_HEADING_RE.search(head) or _MD_SETEXT_RE.search(head):
        return "markdown"
    if _MD_LIST_RE.search(head) and _MD_INLINE_RE.search(head):
        return "markdown"
    return "text"


_HTML_SNIFF_RE = re.compile(
    r"<(?:!doctype\s+html|html|head|body|article|main|p|div|h[1-6]|ul|ol|li|table|section|br)"
    r"\b[^>]*>",
    re.IGNORECASE,
)
_MD_HEADING_RE = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_MD_SETEXT_RE = re.compile(r"^[^\s•·\-*].*\n(?:=+|-{2,})[ \t]*$", re.MULTILINE)
_MD_LIST_RE = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+\S", re.MULTILINE)
_MD_INLINE_RE = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__|\[[^\]\n]+\]\([^)\n]+\)|^```", re.M)


def _resolve_format(text: str, filename: str | None, fmt: str | None) -> str:
    """Pick the format: explicit, then by file extension, then by sniffing."""
    if fmt:
        chosen = _FORMAT_ALIASES.get(fmt.strip().lower().lstrip("."))
        if chosen is None:
            raise UnsupportedFormat(f"Unknown article format {fmt!r}; use text, markdown or html.")
        return chosen
    if filename:
        by_ext = _EXTENSIONS.get(PurePath(filename).suffix.lower())
        if by_ext:
            return by_ext
    return sniff_format(text)


def _decode(data: bytes | str, max_bytes: int) -> str:
    """Check the size, decode bytes and reject binary input before any heavy work."""
    if isinstance(data, str):
        if len(data) > max_bytes:
            _too_large(len(data), max_bytes)
        if _SURROGATE_RE.search(data):
            data = data.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        _check_size(len(data.encode("utf-8")), max_bytes)
        text = data
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        _check_size(len(raw), max_bytes)
        text = _decode_bytes(raw)
    else:
        raise TypeError(f"parse_article() takes bytes or str, not {type(data).__name__}")
    if "\x00" in text:
        raise BinaryInput("The file contains NUL bytes; it looks like a binary file, not text.")
    controls = len(_CONTROL_RE.findall(text))
    if controls > max(8, len(text) // 100):
        raise BinaryInput("The file contains control characters; it looks binary, not text.")
    if controls:
        text = _CONTROL_RE.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_bytes(raw: bytes) -> str:
    """Decode UTF-8 (BOM optional), UTF-16 with a BOM, or clean cp1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BinaryInput("The file is not valid UTF-16 text.") from exc
    if b"\x00" in raw:
        raise BinaryInput("The file contains NUL bytes; it looks like a binary file, not text.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise BinaryInput("The file is not UTF-8 text.") from exc
    if _CONTROL_RE.search(text):
        raise BinaryInput("The file is not UTF-8 text.")
    return text


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        _too_large(size, max_bytes)


def _too_large(size: int, max_bytes: int) -> None:
    raise ArticleTooLarge(f"The article is {size:,} bytes, over the limit of {max_bytes:,} bytes.")


# --------------------------------------------------------------------------- plain text

_BULLET_RE = re.compile(
    r"^(?P<indent>[ \t]*)"
    r"(?:(?P<sym>[•·▪◦●○■□►▸‣⁃➢➤✓✔✗→])[ \t]*"
    r"|(?P<dash>[-*+–—])[ \t]+"
    r"|(?P<num>\(?\d{1,3}[.)])[ \t]+)"
    r"(?P<body>\S.*)$"
)
_SENTENCE_END_RE = re.compile(r"[.!?:][\"”’')\]]*$")


@dataclass(slots=True)
class _Group:
    """Lines between blank lines: either paragraph lines or list items."""

    kind: str
    blank_before: bool
    lines: list[str] = field(default_factory=list)
    items: list[tuple[int, bool, list[str]]] = field(default_factory=list)


def _text_blocks(text: str) -> tuple[str | None, list[_Block]]:
    """Split plain text into blocks; the first non-empty line is the title."""
    lines = [line.expandtabs(4).rstrip() for line in html.unescape(text).splitlines()]
    title = _take_text_title(lines)
    return title, _lines_to_blocks(lines)


def _take_text_title(lines: list[str]) -> str | None:
    """Pop the title line (and an identical repeat of it) off the top of the text."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    candidate = _norm(lines[first])
    if _BULLET_RE.match(lines[first]) or len(candidate) > 200 or not candidate:
        return None
    lines[first] = ""
    following = next((i for i in range(first + 1, len(lines)) if lines[i].strip()), None)
    if following is not None and _key(lines[following]) == _key(candidate):
        lines[following] = ""
    return candidate


def _lines_to_blocks(lines: list[str]) -> list[_Block]:
    """Group lines and turn each group into headings, paragraphs or a list."""
    groups = _group_lines(lines)
    blocks: list[_Block] = []
    for i, group in enumerate(groups):
        blank_after = i + 1 == len(groups) or groups[i + 1].blank_before
        standalone = group.blank_before and blank_after
        next_is_para = i + 1 < len(groups) and groups[i + 1].kind == "para"
        if group.kind == "para":
            # A line directly above bullets, with no blank line between, may still head them.
            heads_list = not blank_after and groups[i + 1].kind == "list"
            blocks.extend(_para_group_blocks(group.lines, standalone, heads_list, blocks))
        elif _numbered_heading(group, standalone and next_is_para):
            blocks.append(_Heading(_norm(group.items[0][2][0])))
        else:
            blocks.append(_list_group_block(group))
    return blocks


def _group_lines(lines: list[str]) -> list[_Group]:
    """Group lines: bullets (with wrapped continuations) versus paragraph lines."""
    groups: list[_Group] = []
    blank = True
    for line in lines:
        if not line.strip():
            blank = True
            continue
        indent = len(line) - len(line.lstrip())
        match = _BULLET_RE.match(line)
        current = groups[-1] if groups else None
        if match:
            if current is None or current.kind != "list":
                current = _Group("list", blank)
                groups.append(current)
            current.items.append((indent, bool(match["num"]), [match["body"]]))
        elif (
            current is not None
            and current.kind == "list"
            and (not blank or indent > current.items[-1][0] + 1)
        ):
            current.items[-1][2].append(line.strip())  # a wrapped bullet line
        elif current is not None and current.kind == "para" and not blank:
            current.lines.append(line.strip())
        else:
            groups.append(_Group("para", blank, lines=[line.strip()]))
        blank = False
    return groups


def _looks_like_heading(line: str, *, strict: bool) -> bool:
    """Tell whether a line reads as a heading (short, no full stop, heading-cased)."""
    text = line.strip()
    if not text or len(text) > 100 or text[-1] in ".,;!…" or text.endswith((".”", '."')):
        return False
    words = text.split()
    first = next((c for c in text if c.isalnum()), "")
    if len(words) > (10 if strict else 14) or not (first.isupper() or first.isdigit()):
        return False
    if text.endswith("?"):
        return not strict and len(words) <= 12
    title_case = _is_title_case(text)
    if text.endswith(":"):
        return len(words) <= 10 and (title_case or _starts_with_vocab(text))
    return title_case if strict else (title_case or len(words) <= 10)


def _para_group_blocks(
    lines: list[str], standalone: bool, heads_list: bool, before: list[_Block]
) -> list[_Block]:
    """Turn paragraph lines into blocks: a heading line, then joined or one-per-line text."""
    out: list[_Block] = []
    if len(lines) == 1 and (
        (standalone and _looks_like_heading(lines[0], strict=False))
        or (heads_list and _looks_like_heading(lines[0], strict=True))
    ):
        return [_Heading(_norm(lines[0]), sub=lines[0].endswith(":"))]
    if len(lines) >= 2 and _looks_like_heading(lines[0], strict=True):
        out.append(_Heading(_norm(lines[0]), sub=lines[0].endswith(":")))
        lines = lines[1:]
    previous = out[-1] if out else (before[-1] if before else None)
    out.extend(_soft_lines_blocks(lines, previous))
    return out


def _soft_lines_blocks(lines: list[str], previous: _Block | None) -> list[_Block]:
    """Join hard-wrapped lines; keep long one-per-line units apart (a list without bullets)."""
    soft = (
        len(lines) >= 2
        and max(len(line) for line in lines) > 100
        and all(_SENTENCE_END_RE.search(line) for line in lines)
    )
    if not soft:
        return [_Para(_norm(" ".join(lines)))]
    intro: list[_Block] = []
    units = lines
    if units[0].endswith(":"):
        intro, units = [_Para(_norm(units[0]))], units[1:]
    labelled = sum(1 for u in units if _split_label(_norm(u))[0])
    introduced = bool(intro) or (isinstance(previous, _Para) and previous.text.endswith(":"))
    if isinstance(previous, _Heading):
        info = _analyse_heading(previous.text)
        introduced = bool(info.polarities) or info.takeaways
    if len(units) >= 2 and (introduced or labelled >= max(2, 0.6 * len(units))):
        return [*intro, _List([_Item(_norm(u)) for u in units])]
    return [*intro, *(_Para(_norm(u)) for u in units)]


def _numbered_heading(group: _Group, candidate: bool) -> bool:
    """Tell whether a lone numbered line ("2. Methods") is really a heading."""
    if not candidate or len(group.items) != 1:
        return False
    _, numbered, lines = group.items[0]
    return numbered and len(lines) == 1 and _looks_like_heading(lines[0], strict=True)


def _list_group_block(group: _Group) -> _List:
    """Build a list, folding deeper-indented bullets into their parent entry."""
    base = group.items[0][0]
    merged: list[tuple[str, list[str]]] = []
    for indent, _numbered, lines in group.items:
        text = _norm(" ".join(lines))
        if merged and indent > base + 1:
            merged[-1][1].append(text)
        else:
            merged.append((text, []))
    return _List([_Item(_merge_children(text, children)) for text, children in merged])


def _merge_children(text: str, children: list[str]) -> str:
    """Flatten nested bullets into the parent entry's text."""
    children = [c for c in children if c]
    if not children:
        return text
    if all(_SENTENCE_END_RE.search(c) for c in children):
        tail = " ".join(children)
    else:
        tail = "; ".join(c.rstrip(";,") for c in children)
    if not text:
        return tail
    if text.endswith((":", ".", "!", "?", ";")):
        return f"{text} {tail}"
    return f"{text}: {tail}"


# --------------------------------------------------------------------------- headings


@dataclass(slots=True)
class _HeadingInfo:
    """What a heading says about the list under it."""

    polarities: list[str]
    nouns: dict[str, str]
    takeaways: bool
    subject: str | None
    phrase: str | None
    is_title: bool = False


_NUMBERING_RE = re.compile(r"^(?:\d{1,3}[.)]|[IVXLC]{1,5}\.|part\s+\d+[:.]?|step\s+\d+[:.]?)\s+",
                           re.IGNORECASE)  # fmt: skip


def _analyse_heading(heading: str) -> _HeadingInfo:
    """Find list words (pros/cons/takeaways) and the subject ("Pros for Putin" → Putin)."""
    text = _NUMBERING_RE.sub("", heading.strip()).strip(" :.-–—")
    lowered = text.lower().replace("’", "'")
    tokens = list(_WORD_RE.finditer(text))
    words = [m.group().lower().replace("’", "'") for m in tokens]
    polarities: list[str] = []
    nouns: dict[str, str] = {}
    positions: list[int] = []
    for i, word in enumerate(words):
        hit = _VOCAB.get(word)
        if hit:
            positions.append(i)
            if hit[0] not in nouns:
                polarities.append(hit[0])
                nouns[hit[0]] = hit[1]
    takeaways = bool(_TAKEAWAY_RE.search(lowered))
    subject, phrase = _heading_subject(text, tokens, words, positions)
    return _HeadingInfo(polarities, nouns, takeaways, subject, phrase)


def _heading_subject(
    text: str, tokens: list[re.Match[str]], words: list[str], positions: list[int]
) -> tuple[str | None, str | None]:
    """Return (subject, phrase) from "<noun> for X", "X's <noun>" or "For X"."""
    if positions:
        after = positions[-1] + 1
        if after + 1 < len(words) and words[after] in _PREPOSITIONS:
            rest = text[tokens[after].end() :].strip(" :.-–—")
            if rest and words[after + 1] not in _NOT_SUBJECTS:
                return _strip_article(rest), f"{words[after]} {rest}"
        before = positions[0] - 1
        while before >= 0 and words[before] in _HEADING_MODIFIERS:
            before -= 1
        if before >= 0 and words[before].endswith("'s"):
            subject = text[: tokens[before].end() - 2].strip(" :.-–—")
            if subject and len(subject.split()) <= 6:
                return subject, f"for {subject}"
        return None, None
    if len(words) >= 2 and words[0] in ("for", "to") and len(words) <= 7:
        rest = text[tokens[1].start() :].strip(" :.-–—")
        return _strip_article(rest), f"{words[0]} {rest}"
    return None, None


def _strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.IGNORECASE) or text


def _analysis_noun(heading: str) -> str | None:
    """Pick the noun an analysis list uses for its labels ("Strategic Aims" → aim)."""
    words = [w.lower() for w in _WORD_RE.findall(heading)]
    for word in reversed(words):
        if word in _ANALYSIS_NOUNS:
            return _ANALYSIS_NOUNS[word]
    return None


_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+")


def _intro_polarity(text: str) -> tuple[str, str] | None:
    """Classify a list by the sentence introducing it ("The main drawbacks are:")."""
    if not text.endswith(":"):
        return None
    sentence = _SENTENCE_SPLIT_RE.split(text)[-1].lower().replace("’", "'")
    tail = _WORD_RE.findall(sentence)[-7:]
    found: dict[str, str] = {}
    for word in tail:
        hit = _PLURAL_VOCAB.get(word)
        if hit:
            found.setdefault(hit[0], hit[1])
    if len(found) == 1:
        polarity, noun = next(iter(found.items()))
        return polarity, noun
    if not found and _TAKEAWAY_RE.search(" ".join(tail)):
        return "takeaways", "takeaway"
    return None


# --------------------------------------------------------------------------- labels

_COLON_LABEL_RE = re.compile(r"^(?P<label>[^:]{1,100}?)\s*:\s+(?P<rest>\S.*)$")
_DASH_LABEL_RE = re.compile(r"^(?P<label>[^–—:]{1,60}?)\s+(?:[–—]|--?)\s+(?P<rest>\S.*)$")
_INITIALISM_RE = re.compile(r"(?:[A-Za-z]\.)+")


def _split_label(text: str) -> tuple[str | None, str]:
    """Split "Label: description" (or "Label – description") when the label is short."""
    match = _COLON_LABEL_RE.match(text)
    if match and _good_label(match["label"].strip(), colon=True):
        return match["label"].strip(), match["rest"]
    match = _DASH_LABEL_RE.match(text)
    if match and _good_label(match["label"].strip(), colon=False):
        return match["label"].strip(), match["rest"]
    return None, text


def _good_label(label: str, *, colon: bool) -> bool:
    """Tell whether text before a colon/dash is a label rather than part of a sentence."""
    words = label.split()
    if not words or len(words) > 8 or len(label) > 80 or "!" in label or "?" in label:
        return False
    first = label.lstrip("“\"'‘(")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    for word in words:
        bare = word.rstrip(")”\"'’")
        if bare.endswith(".") and not (
            _INITIALISM_RE.fullmatch(bare) or bare[:-1].lower() in _ABBREVIATIONS
        ):
            return False
    if label.lower().endswith(("http", "https", "ftp", "mailto")):
        return False
    if words[-1].lower().strip("’'\"”") in _LABEL_END_STOP:
        return False
    title_case = _is_title_case(label)
    if not colon:
        return title_case and "," not in label and len(words) <= 6
    if "," in label and not title_case:
        return False
    return title_case or len(words) <= 5


# --------------------------------------------------------------------------- assembly


@dataclass(slots=True)
class _Chunk:
    """Part of a heading's content holding at most one list."""

    paragraphs: list[Paragraph] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    list_start: int = -1
    list_end: int = -1
    intro: str | None = None


@dataclass(slots=True)
class _Draft:
    heading: str
    heading_start: int
    heading_end: int
    level: int
    parent: _HeadingInfo | None
    chunks: list[_Chunk] = field(default_factory=list)
    pending: list[Paragraph] = field(default_factory=list)


class _Canvas:
    """Accumulate the canonical text and hand out offsets as blocks are written."""

    def __init__(self, title: str) -> None:
        self.parts = [title]
        self.pos = len(title)

    def block(self, text: str) -> int:
        self.parts.append("\n\n")
        self.parts.append(text)
        self.pos += 2 + len(text)
        return self.pos - len(text)

    def entries(self, items: list[_Item]) -> list[Entry]:
        entries: list[Entry] = []
        for i, item in enumerate(items):
            sep = "\n\n" if i == 0 else "\n"
            label_part = f"{item.label}: " if item.label else ""
            line = f"• {label_part}{item.text}"
            self.parts.append(sep)
            self.parts.append(line)
            start = self.pos + len(sep)
            self.pos += len(sep) + len(line)
            text_start = start + 2 + len(label_part)
            entries.append(
                Entry(
                    item.label,
                    item.text,
                    text_start,
                    text_start + len(item.text),
                    start + 2 if item.label else None,
                )
            )
        return entries

    def text(self) -> str:
        return "".join(self.parts)


def _assemble(
    blocks: list[_Block], title: str | None, fmt: str, notes: list[str], filename: str | None
) -> Article:
    """Build canonical text, sections and classifications from blocks."""
    blocks = _clean_blocks(blocks)
    title, blocks = _resolve_title(title, blocks, filename, notes)
    if not title and not blocks:
        raise EmptyArticle("The article has no readable text.")
    _promote_list_labels(blocks)
    _assign_levels(blocks)
    canvas = _Canvas(title)
    drafts = _layout(blocks, canvas, title)
    sections = [s for draft in drafts for s in _sections_from_draft(draft)]
    if not any(s.entries for s in sections):
        notes.append("no lists found")
    return Article(title, canvas.text(), fmt, sections, notes)  # type: ignore[arg-type]


def _clean_blocks(blocks: list[_Block]) -> list[_Block]:
    """Normalise text, find plain-text labels and drop empty blocks."""
    out: list[_Block] = []
    for block in blocks:
        if isinstance(block, _List):
            items = []
            for item in block.items:
                text = _norm(item.text)
                label = _norm(item.label) if item.label else None
                if not label:
                    label, text = _split_label(text)
                if any(c.isalnum() for c in text):
                    items.append(_Item(text, label))
            if items:
                out.append(_List(items))
        else:
            block.text = _norm(block.text)
            if isinstance(block, _Heading):
                block.text = block.text.rstrip(":").rstrip()
            if block.text:
                out.append(block)
    return out


def _resolve_title(
    title: str | None, blocks: list[_Block], filename: str | None, notes: list[str]
) -> tuple[str, list[_Block]]:
    """Pick the title and drop a repeat of it at the top of the body."""
    title = _norm(title) if title else None
    if not title and blocks:
        first = blocks[0]
        if isinstance(first, _Heading) or (
            isinstance(first, _Para) and len(first.text) <= 150 and len(first.text.split()) <= 25
        ):
            title = first.text
            blocks = blocks[1:]
    if not title:
        title = _fallback_title(blocks, filename)
        if title:
            notes.append(f"no title found; using “{title}”")
    while blocks and not isinstance(blocks[0], _List) and _key(blocks[0].text) == _key(title):
        blocks = blocks[1:]
    return title[:300], blocks


def _fallback_title(blocks: list[_Block], filename: str | None) -> str:
    if filename:
        stem = PurePath(filename).stem.replace("_", " ").replace("-", " ").strip()
        if stem:
            return stem[:1].upper() + stem[1:]
    for block in blocks:
        text = block.items[0].text if isinstance(block, _List) else block.text
        sentence = _SENTENCE_SPLIT_RE.split(text)[0]
        return sentence if len(sentence) <= 100 else sentence[:99].rstrip() + "…"
    return ""


def _promote_list_labels(blocks: list[_Block]) -> None:
    """Make "Advantages for schools:" directly above a list a sub-heading."""
    for i, block in enumerate(blocks[:-1]):
        if not isinstance(block, _Para) or not isinstance(blocks[i + 1], _List):
            continue
        text = block.text
        if (
            text.endswith(":")
            and len(text) <= 80
            and len(text.split()) <= 8
            and (_is_title_case(text) or _starts_with_vocab(text))
        ):
            blocks[i] = _Heading(text.rstrip(":").rstrip(), sub=True)


def _assign_levels(blocks: list[_Block]) -> None:
    """Place pseudo-headings one level below the last real heading."""
    last_real = 1
    for block in blocks:
        if isinstance(block, _Heading):
            if block.sub:
                block.level = min(last_real + 1, 7)
            else:
                last_real = block.level


def _layout(blocks: list[_Block], canvas: _Canvas, title: str) -> list[_Draft]:
    """Write blocks to the canvas, grouping them under the heading they follow."""
    drafts = [_Draft(title, 0, len(title), 0, None)]
    # The title is the outermost parent, so "Pros and Cons of X" as a title lends X as the
    # subject of "Pros:"/"Cons:" lists (but never its pro/con polarity to other lists).
    title_info = _analyse_heading(title)
    title_info.is_title = True
    stack: list[tuple[int, _HeadingInfo]] = [(1, title_info)]
    for block in blocks:
        if isinstance(block, _Heading):
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            parent = stack[-1][1] if stack else None
            start = canvas.block(block.text)
            drafts.append(_Draft(block.text, start, start + len(block.text), block.level, parent))
            stack.append((block.level, _analyse_heading(block.text)))
        elif isinstance(block, _Para):
            start = canvas.block(block.text)
            drafts[-1].pending.append(Paragraph(block.text, start, start + len(block.text)))
        else:
            draft = drafts[-1]
            list_start = canvas.pos + 2
            entries = canvas.entries(block.items)
            intro = draft.pending[-1].text if draft.pending else None
            draft.chunks.append(_Chunk(draft.pending, entries, list_start, canvas.pos, intro))
            draft.pending = []
    for draft in drafts:
        if draft.pending:
            if draft.chunks:
                draft.chunks[-1].paragraphs.extend(draft.pending)
            else:
                draft.chunks.append(_Chunk(draft.pending))
    return drafts


def _sections_from_draft(draft: _Draft) -> list[Section]:
    """Emit one section per list (paragraph-only content gives one "other" section)."""
    own = _analyse_heading(draft.heading) if draft.level else None
    sections: list[Section] = []
    for index, chunk in enumerate(draft.chunks):
        spans = [(p.start, p.end) for p in chunk.paragraphs]
        if chunk.entries:
            spans.append((chunk.list_start, chunk.list_end))
        start = draft.heading_start if index == 0 else min(s for s, _ in spans)
        end = max(e for _, e in spans)
        kind, subject, noun, phrase = _classify(draft, own, chunk, index)
        sections.append(
            Section(
                kind,  # type: ignore[arg-type]
                draft.heading,
                subject,
                chunk.entries,
                chunk.paragraphs,
                start,
                end,
                draft.heading_start,
                draft.level,
                noun,
                phrase,
            )
        )
    return sections


def _classify(
    draft: _Draft, own: _HeadingInfo | None, chunk: _Chunk, list_index: int
) -> tuple[str, str | None, str | None, str | None]:
    """Return (kind, subject, noun, subject phrase) for one chunk."""
    if not chunk.entries:
        return "other", None, None, None
    kind, noun = _polarity(own, draft.parent, chunk.intro, list_index)
    if kind in ("pros", "cons"):
        subject, phrase = None, None
        if own is not None and own.subject:
            subject, phrase = own.subject, own.phrase
        elif draft.parent is not None and draft.parent.polarities and draft.parent.subject:
            subject, phrase = draft.parent.subject, draft.parent.phrase
        return kind, subject, noun or ("pro" if kind == "pros" else "con"), phrase
    if kind == "takeaways":
        return kind, None, "takeaway", None
    labelled = sum(1 for e in chunk.entries if e.label)
    if len(chunk.entries) >= 2 and labelled >= 0.6 * len(chunk.entries):
        return "analysis", None, _analysis_noun(draft.heading), None
    return "other", None, None, None


def _polarity(
    own: _HeadingInfo | None, parent: _HeadingInfo | None, intro: str | None, list_index: int
) -> tuple[str | None, str | None]:
    """Decide pros/cons/takeaways from the heading, the intro sentence or the parent."""
    if own is not None and len(own.polarities) == 1:
        return own.polarities[0], own.nouns[own.polarities[0]]
    if own is not None and not own.polarities and own.takeaways:
        return "takeaways", "takeaway"
    from_intro = _intro_polarity(intro) if intro else None
    if from_intro:
        return from_intro
    if own is not None and len(own.polarities) >= 2:
        if list_index < len(own.polarities):
            polarity = own.polarities[list_index]
            return polarity, own.nouns[polarity]
        return None, None
    if parent is None or parent.is_title:
        return None, None
    if len(parent.polarities) == 1:
        return parent.polarities[0], parent.nouns[parent.polarities[0]]
    if not parent.polarities and parent.takeaways:
        return "takeaways", "takeaway"
    return None, None
