"""Markdown and HTML articles into blocks: the structural path the two formats share.

A module of its own because bs4 and markdown-it take about 0.2 s to import and only these
formats need them: :func:`quizapp.domain.articles.parse.parse_article` loads it on the first
Markdown or HTML article, so starting the app (every ``flask`` command) does not.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from markdown_it import MarkdownIt

from .parse import (
    _BULLET_RE,
    _WS_RE,
    _analyse_heading,
    _Block,
    _Heading,
    _is_title_case,
    _Item,
    _lines_to_blocks,
    _List,
    _merge_children,
    _norm,
    _Para,
)

# --------------------------------------------------------------------------- markdown

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE_RE = re.compile(r"^title:[ \t]*(.+)$", re.MULTILINE)


def markdown_blocks(text: str) -> tuple[str | None, list[_Block]]:
    """Render Markdown to HTML and read it on the HTML path; honour a front-matter title."""
    front_title = None
    match = _FRONT_MATTER_RE.match(text)
    if match and re.search(r"^\w[\w-]*:", match.group(1), re.MULTILINE):
        found = _FRONT_TITLE_RE.search(match.group(1))
        if found:
            front_title = _norm(found.group(1).strip("'\""))
        text = text[match.end() :]
    title, blocks = html_blocks(_MARKDOWN.render(text), document=False)
    if front_title:
        if title:
            blocks.insert(0, _Heading(title, level=1))
        title = front_title
    return title, blocks


# --------------------------------------------------------------------------- html

_DROP_TAGS = [
    "script", "style", "noscript", "template", "svg", "iframe", "canvas", "object", "embed",
    "button", "select", "textarea", "input", "link", "meta", "map", "audio", "video",
    "picture", "img", "figcaption", "source", "track", "math",
]  # fmt: skip
_CHROME_TAGS = ["nav", "aside", "footer", "header", "form"]
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_CONTAINER_TAGS = {
    "div", "section", "article", "main", "header", "blockquote", "figure", "details",
    "summary", "center", "body", "html", "hgroup", "address", "fieldset", "footer", "aside",
    "nav", "form", "dd", "dt", "td", "th", "tr", "tbody", "thead", "tfoot", "caption",
}  # fmt: skip
_BLOCK_TAGS = (
    _CONTAINER_TAGS | _HEADING_TAGS | {"p", "ul", "ol", "menu", "dl", "table", "pre", "hr", "li"}
)
_LIST_TAGS = {"ul", "ol", "menu"}
_BOLD_TAGS = {"strong", "b"}
_TITLE_SPLIT_RE = re.compile(r"\s+(?:\||–|—|-|::|·|•|»)\s+")


def _is_text(node: object) -> bool:
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def html_blocks(markup: str, *, document: bool = True) -> tuple[str | None, list[_Block]]:
    """Read the main content of an HTML page into blocks, skipping page chrome."""
    with warnings.catch_warnings():
        # bs4 warns about markup that "looks like a URL"; an upload is never a URL.
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(markup, "html.parser")
    doc_title = _document_title(soup) if document else None
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    root = _choose_root(soup)
    _strip_chrome(root, keep_header=root.name in ("article", "main"))
    h1 = root.find("h1")
    title_tag = h1 if isinstance(h1, Tag) and _norm(h1.get_text()) else None
    title = _norm(title_tag.get_text(" ")) if title_tag is not None else doc_title
    walker = _HtmlWalker(skip=title_tag)
    walker.walk(root)
    return title, walker.blocks


def _document_title(soup: BeautifulSoup) -> str | None:
    """Read <title>, dropping a " | Site name" style suffix."""
    tag = soup.find("title")
    if not isinstance(tag, Tag):
        return None
    text = _norm(tag.get_text())
    parts = [p for p in _TITLE_SPLIT_RE.split(text) if p]
    return max(parts, key=len) if parts else None


def _choose_root(soup: BeautifulSoup) -> Tag | BeautifulSoup:
    """Prefer the biggest <article>, then <main>, then <body>."""
    body = soup.find("body")
    scope = body if isinstance(body, Tag) else soup
    total = len(scope.get_text())
    for name in ("article", "main"):
        found = [t for t in soup.find_all(name) if isinstance(t, Tag)]
        if not found and name == "main":
            found = [t for t in soup.find_all(attrs={"role": "main"}) if isinstance(t, Tag)]
        if found:
            best = max(found, key=lambda t: len(t.get_text()))
            if len(best.get_text()) >= 0.3 * total:
                return best
    return scope


def _strip_chrome(root: Tag | BeautifulSoup, *, keep_header: bool) -> None:
    """Remove navigation, headers, footers, asides, forms and hidden elements."""
    doomed: list[Tag] = []
    for tag in root.find_all(True):
        if not isinstance(tag, Tag) or tag.attrs is None:
            continue
        name = tag.name
        if name in _CHROME_TAGS:
            if name == "header" and keep_header:
                continue
            if name == "form" and tag.find(["h1", "article", "main"]):
                continue  # ASP.NET-style pages wrap the whole page in a form
            doomed.append(tag)
        elif (
            tag.has_attr("hidden")
            or str(tag.get("aria-hidden", "")).lower() == "true"
            or str(tag.get("role", "")).lower() in _CHROME_ROLES
            or "display:none" in str(tag.get("style", "")).replace(" ", "").lower()
        ):
            doomed.append(tag)
    for tag in doomed:
        tag.decompose()


def _collect(
    node: object, bold: bool, segments: list[tuple[str, bool]], nested: list[Tag],
    stop: frozenset[str] = frozenset(_LIST_TAGS | {"li", "dl"}),
) -> None:  # fmt: skip
    """Gather inline text as (text, bold) segments; lists inside are set aside in ``nested``."""
    if _is_text(node):
        segments.append((_WS_RE.sub(" ", str(node)), bold))
        return
    if not isinstance(node, Tag):
        return
    name = node.name
    if name == "br":
        segments.append(("\n", bold))
        return
    if name in stop:
        nested.append(node)
        return
    bold = bold or name in _BOLD_TAGS
    block = name in _BLOCK_TAGS
    if block:
        segments.append((" ", bold))
    for child in node.children:
        _collect(child, bold, segments, nested, stop)
    if block:
        segments.append((" ", bold))


def _bold_only(segments: list[tuple[str, bool]]) -> bool:
    """Tell whether all visible text is bold (a pseudo-heading like <p><b>Cons:</b></p>)."""
    seen = False
    for text, bold in segments:
        stripped = text.strip(" \n:")
        if not stripped:
            continue
        if not bold:
            return False
        seen = True
    return seen


def _split_bold_label(label: str, rest: str) -> tuple[str, str] | None:
    """Split "<b>Label:</b> text" (or "<b>Label</b>: text", "<b>Label</b> – text")."""
    if not rest or not label:
        return None
    if label.endswith(":"):
        label = label[:-1].rstrip()
    elif rest[0] == ":":
        rest = rest[1:].lstrip()
    elif rest[0] in "–—-" and rest[1:2] == " ":
        rest = rest[1:].lstrip()
    elif label.endswith((" –", " —")):
        label = label[:-2].rstrip()
    elif label.endswith(".") and len(label.split()) <= 8 and rest[:1].isupper():
        label = label[:-1].rstrip()
    elif len(label.split()) <= 6 and rest[:1].isupper() and _is_title_case(label):
        pass  # "<b>Lower Bills</b> Panels cut costs." (often split across <p>s)
    else:
        return None
    if not label or not rest or len(label) > 100 or len(label.split()) > 12:
        return None
    return label, rest


def _item_from_segments(segments: list[tuple[str, bool]]) -> _Item | None:
    """Build a list entry, taking a leading bold run as its label when it is one."""
    text = _norm("".join(t for t, _ in segments))
    if not text:
        return None
    i = 0
    while i < len(segments) and not segments[i][0].strip():
        i += 1
    start = i
    while i < len(segments) and (segments[i][1] or not segments[i][0].strip()):
        i += 1
    if i > start:
        label = _norm("".join(t for t, _ in segments[start:i]))
        rest = _norm("".join(t for t, _ in segments[i:]))
        split = _split_bold_label(label, rest)
        if split:
            return _Item(split[1], label=split[0])
    return _Item(text)


class _HtmlWalker:
    """Walk block-level HTML in document order, emitting blocks."""

    def __init__(self, skip: Tag | None) -> None:
        self.skip = skip
        self.blocks: list[_Block] = []

    def walk(self, element: Tag | BeautifulSoup) -> None:
        """Emit blocks for a container's children, gathering loose inline runs.

        Iterative, so pages with thousands of unclosed <div>s cannot exhaust the stack.
        """
        stack: list[tuple[Iterator[object], list[object]]] = [(iter(element.children), [])]
        while stack:
            children, run = stack[-1]
            for child in children:
                if isinstance(child, Tag) and child.name in _BLOCK_TAGS:
                    self._flush(run)
                    run.clear()
                    if child is self.skip:
                        continue
                    if _is_container(child):
                        stack.append((iter(child.children), []))
                        break
                    self._block(child)
                elif isinstance(child, Tag) or _is_text(child):
                    run.append(child)
            else:
                self._flush(run)
                stack.pop()

    def _block(self, tag: Tag) -> None:
        name = tag.name
        if name in _HEADING_TAGS:
            text = _norm(tag.get_text(" "))
            if text:
                self.blocks.append(_Heading(text, level=int(name[1])))
        elif name == "p" and not _is_container(tag):
            self._flush(list(tag.children))
        elif name in _LIST_TAGS:
            self._list(self._list_items(tag))
        elif name == "dl":
            self._list(self._dl_items(tag))
        elif name == "table":
            self._table(tag)
        elif name == "pre":
            self._para(_norm(tag.get_text()))
        elif name == "li":
            self._list(self._li_items(tag))
        elif name != "hr":
            self.walk(tag)

    def _para(self, text: str) -> None:
        if text:
            self.blocks.append(_Para(text))

    def _list(self, items: list[_Item]) -> None:
        if items:
            self.blocks.append(_List(items))

    def _flush(self, run: list[object]) -> None:
        """Turn a run of inline nodes into a paragraph, pseudo-heading or text blocks."""
        if not run:
            return
        segments: list[tuple[str, bool]] = []
        nested: list[Tag] = []
        for node in run:
            _collect(node, False, segments, nested)
        raw = "".join(t for t, _ in segments)
        lines = raw.split("\n")
        if len(lines) > 1 and any(_BULLET_RE.match(line.strip()) for line in lines):
            self.blocks.extend(_lines_to_blocks([line.strip() for line in lines]))
        else:
            text = _norm(raw)
            if text and _bold_only(segments) and len(text) <= 100 and len(text.split()) <= 12:
                self.blocks.append(_Heading(text, sub=True))
            else:
                self._para(text)
        for tag in nested:
            self._block(tag)

    def _li_items(self, li: Tag) -> list[_Item]:
        """Read a <li> plus the unclosed <li>s html.parser nested inside it, in order."""
        items: list[_Item] = []
        queue = [li]
        while queue:
            item, strays = self._li_entry(queue.pop())
            if item is not None:
                items.append(item)
            queue.extend(reversed(strays))
        return items

    def _li_entry(self, li: Tag) -> tuple[_Item | None, list[Tag]]:
        """Read one <li>'s own entry, folding nested lists into it."""
        segments: list[tuple[str, bool]] = []
        nested: list[Tag] = []
        for child in li.children:
            _collect(child, False, segments, nested)
        item = _item_from_segments(segments)
        children: list[str] = []
        strays: list[Tag] = []
        for tag in nested:
            if tag.name == "li":
                strays.append(tag)
            else:
                sub = self._dl_items(tag) if tag.name == "dl" else self._list_items(tag)
                children.extend(_item_line(i) for i in sub)
        if children:
            if item is None:
                return _Item(_merge_children("", children)), strays
            return _Item(_merge_children(item.text, children), item.label), strays
        return item, strays

    def _list_items(self, tag: Tag) -> list[_Item]:
        items: list[_Item] = []
        for li in tag.find_all("li", recursive=False):
            items.extend(self._li_items(li))
        return items

    def _dl_items(self, tag: Tag) -> list[_Item]:
        """Read <dt>/<dd> pairs as labelled entries."""
        items: list[_Item] = []
        label: str | None = None
        for el in tag.find_all(["dt", "dd"]):
            segments: list[tuple[str, bool]] = []
            _collect_children(el, segments, frozenset({"dt", "dd"}))
            text = _norm("".join(t for t, _ in segments))
            if not text:
                continue
            if el.name == "dt":
                if label:
                    items.append(_Item(label))
                label = text.rstrip(":").rstrip() or None
            else:
                items.append(_Item(text, label))
                label = None
        if label:
            items.append(_Item(label))
        return items

    def _table(self, tag: Tag) -> None:
        """Read a table: pros/cons columns become lists, other rows become text."""
        if tag.find(["p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"]):
            for cell in tag.find_all(["td", "th"]):
                self.walk(cell)  # a layout table
            return
        rows: list[list[str]] = []
        for tr in tag.find_all("tr"):
            cells = []
            for cell in tr.find_all(["td", "th"], recursive=False):
                segments: list[tuple[str, bool]] = []
                _collect_children(cell, segments, frozenset())
                cells.append(_norm("".join(t for t, _ in segments)))
            if any(cells):
                rows.append(cells)
        if not rows:
            return
        first_row = tag.find("tr")
        has_header = bool(tag.find("thead")) or (
            isinstance(first_row, Tag) and not first_row.find("td")
        )
        header = rows[0] if has_header else None
        body = rows[1:] if has_header else rows
        if header and any(_heading_is_list_word(h) for h in header):
            for col, head in enumerate(header):
                values = [row[col] for row in body if col < len(row) and row[col]]
                if head and values:
                    self.blocks.append(_Heading(head, sub=True))
                    self.blocks.append(_List([_Item(v) for v in values]))
        elif header and len(header) == 2 and all(len(r) == 2 for r in body):
            self._list([_Item(r[1], r[0]) for r in body if r[0] and r[1]])
        else:
            for row in body:
                self._para(" | ".join(c for c in row if c))


def _is_container(tag: Tag) -> bool:
    """Tell whether a block holds other blocks (a <p> does when html.parser nested them)."""
    if tag.name == "p":
        return any(isinstance(c, Tag) and c.name in _BLOCK_TAGS for c in tag.children)
    return tag.name in _CONTAINER_TAGS


def _collect_children(tag: Tag, segments: list[tuple[str, bool]], stop: frozenset[str]) -> None:
    nested: list[Tag] = []
    for child in tag.children:
        _collect(child, False, segments, nested, stop)


def _item_line(item: _Item) -> str:
    return f"{item.label}: {item.text}" if item.label else item.text


def _heading_is_list_word(text: str) -> bool:
    info = _analyse_heading(text)
    return bool(info.polarities) or info.takeaways
