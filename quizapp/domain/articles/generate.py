"""Draft a study set (flashcards, MCQs, true/false, cloze, matching) from a parsed Article.

Everything random goes through one ``random.Random(seed)`` and every loop runs in article
order, so the same article and seed always give byte-identical JSON.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .model import Article, Entry, ItemType, Provenance, Section, StudyItem, StudySetDraft
from .parse import DEFAULT_MAX_BYTES, parse_article

KEY_KINDS = ("takeaways", "pros", "cons", "analysis")
BLANK = "_____"
MAX_ITEMS = 5_000
_OPPOSITE = {"pros": "cons", "cons": "pros"}

STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway anywhere
    are around as at be became because become becomes been before beforehand behind being below
    beside besides between beyond both but by can cannot could did do does doing done down due
    during each either else elsewhere enough especially etc even ever every everyone everything
    everywhere except few for former formerly from further had has have having he hence her here
    hereby herein hers herself him himself his how however i if in indeed into is it its itself
    just last latter least less made make many may me meanwhile might mine more moreover most
    mostly much must my myself namely neither never nevertheless next no nobody none nor not
    nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own per perhaps please quite rather really same see seem seemed seeming
    seems several she should since so some somehow someone something sometime sometimes somewhere
    still such than that the their theirs them themselves then thence there thereafter thereby
    therefore therein these they this those though through throughout thus to together too toward
    towards under until up upon us very via was we well were what whatever when whence whenever
    where whereas whether which while whither who whoever whole whom whose why will with within
    without would yet you your yours yourself yourselves also can't won't don't likely likely
    s t re ve ll d m new way ways use used using get gets got like including include includes
    potentially particularly significantly simply merely directly actually another own
    """.split()
)
_WEAK_STARTS = frozenset(
    "it this that these those they he she its their his her however but and yet so also "
    "conversely paradoxically moreover furthermore instead still then there here we our such "
    "or".split()
)

_TOKEN_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+(?:[.,]\d+)*%?")
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s)")
_INITIALS_RE = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st vs etc inc ltd co corp jr sr gen gov sen rep no fig approx e.g i.e "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_WS_RE = re.compile(r"\s+")


# --------------------------------------------------------------------------- text helpers


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split text into sentences, returning (start, end) offsets; abbreviations don't split."""
    spans: list[tuple[int, int]] = []
    start = 0
    size = len(text)
    for match in _SENTENCE_END_RE.finditer(text):
        nxt = match.end()
        while nxt < size and text[nxt].isspace():
            nxt += 1
        if nxt >= size:
            break
        following = text[nxt]
        if not (following.isupper() or following.isdigit() or following in "“\"‘'(["):
            continue
        token = text[max(text.rfind(" ", start, match.start()) + 1, start) : match.start()]
        token = token.lstrip("(“\"‘'")
        if match.group()[0] == "." and (
            _INITIALS_RE.fullmatch(token) or token.lower() in _ABBREVIATIONS
        ):
            continue
        spans.append((start, match.end()))
        start = nxt
    end = len(text.rstrip())
    if start < end:
        spans.append((start, end))
    return spans


def _first_sentence(text: str) -> tuple[int, int]:
    spans = sentence_spans(text)
    return spans[0] if spans else (0, len(text))


def _ckey(text: str) -> str:
    """Return a comparison key for choices and prompts."""
    return _WS_RE.sub(" ", text.casefold()).strip(" .:;,!?\"'“”‘’…")


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in _TOKEN_RE.findall(text) if w.lower() not in STOP_WORDS}


def _stems(text: str) -> set[str]:
    """Crude stems (first five letters) of content words, enough to spot paraphrases."""
    return {w.lower()[:5] for w in _TOKEN_RE.findall(text) if w.lower() not in STOP_WORDS}


def _too_close(mine: set[str], others: list[set[str]]) -> bool:
    for other in others:
        shared = len(mine & other)
        if shared >= 3 or shared / max(1, len(mine | other)) >= 0.2:
            return True
    return False


def _article_a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


def _slug(text: str) -> str:
    return "-".join(w.lower() for w in _TOKEN_RE.findall(text))[:60] or "section"


def _role(section: Section, *, plural: bool = False) -> str:
    """Name an entry's role: "a con for Putin", "advantages of remote work"."""
    noun = section.noun or ("pro" if section.kind == "pros" else "con")
    word = _plural(noun) if plural else _article_a(noun)
    return f"{word} {section.subject_phrase}" if section.subject_phrase else word


# --------------------------------------------------------------------------- statistics


@dataclass(slots=True)
class _Stats:
    """Word statistics over the whole article, used to choose cloze words."""

    freq: Counter[str]
    lower_seen: set[str]
    heading_words: set[str]

    @classmethod
    def of(cls, article: Article) -> _Stats:
        freq: Counter[str] = Counter()
        lower_seen: set[str] = set()
        for match in _TOKEN_RE.finditer(article.text):
            word = match.group()
            low = word.lower()
            freq[low] += 1
            if word[0].islower():
                lower_seen.add(low)
        heading_words: set[str] = set()
        for section in article.sections:
            heading_words |= _content_words(section.heading)
            for entry in section.entries:
                if entry.label:
                    heading_words |= _content_words(entry.label)
        return cls(freq, lower_seen, heading_words)

    def score(self, word: str, position: int) -> float:
        """Rate how good a word is to hide: specific, proper, rare words score high."""
        low = word.lower()
        if word[0].isdigit():
            return 6.0
        score = min(len(word), 12) / 3
        if word.isupper() and len(word) >= 2:
            score += 3
        elif word[0].isupper() and low not in self.lower_seen:
            score += 3 if position else 2.5
        elif word[0].isupper() and position:
            score += 1
        if low in self.heading_words:
            score += 2
        count = self.freq[low]
        if count <= 1:
            score += 1.5
        elif count <= 3:
            score += 1
        elif count > 15:
            score -= 1.5
        return score


def _blank_candidates(sentence: str, stats: _Stats) -> list[tuple[float, int, re.Match[str]]]:
    """Rank the words of a sentence that can be hidden (each appears in it exactly once)."""
    lowered = sentence.lower()
    ranked: list[tuple[float, int, re.Match[str]]] = []
    for position, match in enumerate(_TOKEN_RE.finditer(sentence)):
        word = match.group()
        low = word.lower()
        if low in STOP_WORDS or lowered.count(low) != 1:
            continue
        if not word[0].isdigit() and len(word) < 4 and not (word.isupper() and len(word) >= 2):
            continue
        ranked.append((-stats.score(word, position), position, match))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return ranked


def _alternatives(word: str) -> list[str]:
    """Other spellings a learner may type for a hidden word ("deal-maker" → "deal maker")."""
    options = []
    if "-" in word:
        options += [word.replace("-", " "), word.replace("-", "")]
    if word.endswith("%"):
        options.append(word[:-1] + " percent")
    return options


def _mask_label_words(sentence: str, label: str) -> str:
    """Hide the label's own words in a description so the question doesn't give it away."""
    stems = [
        w.lower()[:5]
        for w in _TOKEN_RE.findall(label)
        if len(w) >= 4 and w.lower() not in STOP_WORDS
    ]
    if not stems:
        return sentence

    def hide(match: re.Match[str]) -> str:
        word = match.group().lower()
        return "[…]" if any(word.startswith(stem) for stem in stems) else match.group()

    masked = _TOKEN_RE.sub(hide, sentence)
    return re.sub(r"\[…\](?:[\s,]+\[…\])+", "[…]", masked)


def _takeaway_prefix(text: str) -> str:
    """Cut the opening words of a takeaway as a recall cue."""
    words = text.split()
    limit = max(3, min(10, round(len(words) * 0.45)))
    for i in range(3, min(limit, len(words))):
        if words[i].endswith((",", ";", ":")):
            limit = i + 1
            break
    return " ".join(words[:limit]).rstrip(",;:")


# --------------------------------------------------------------------------- generator


@dataclass(slots=True)
class _Form:
    """How an entry appears as a choice: its label, or its first sentence."""

    section_index: int
    entry: Entry
    text: str
    is_label: bool


@dataclass(slots=True)
class _Opposite:
    """The list on the other side of a pros/cons list."""

    section: Section | None
    pools: list[list[_Form]]


class _Generator:
    """Holds the RNG, the item list and the lookup tables for one article."""

    def __init__(self, article: Article, seed: int) -> None:
        self.article = article
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - shuffling quiz choices, not security
        self.stats = _Stats.of(article)
        self.items: list[StudyItem] = []
        self.seen: dict[str, int] = {}
        self.covered: set[tuple[int, int]] = set()
        self.warnings: list[str] = []
        self.truth_flip = self.rng.random() < 0.5
        self.full = False
        self.forms: list[list[_Form]] = [
            [self._form(i, e) for e in s.entries] for i, s in enumerate(article.sections)
        ]
        self.truth: dict[tuple[str, str], set[str]] = {}
        for i, section in enumerate(article.sections):
            bucket = self.truth.setdefault(self._group(section), set())
            bucket.update(_ckey(f.text) for f in self.forms[i])
            bucket.update(_ckey(e.text) for e in section.entries)
        # Forms and first sections per (kind, subject) and per kind, so finding "the other
        # side" stays linear however many sections the article has.
        self.group_forms: dict[tuple[str, str], list[_Form]] = {}
        self.kind_forms: dict[str, list[_Form]] = {}
        self.first_section: dict[tuple[str, str], int] = {}
        for i, section in enumerate(article.sections):
            if not section.entries:
                continue
            group = self._group(section)
            self.group_forms.setdefault(group, []).extend(self.forms[i])
            self.kind_forms.setdefault(section.kind, []).extend(self.forms[i])
            self.first_section.setdefault(group, i)
            self.first_section.setdefault((section.kind, "\x00any"), i)
        self.label_pool = [f for forms in self.forms for f in forms if f.is_label]
        self.sentence_pool = [f for forms in self.forms for f in forms if not f.is_label]
        self._statements: list[str] | None = None

    # ----------------------------------------------------------------- plumbing

    def _form(self, section_index: int, entry: Entry) -> _Form:
        if entry.label:
            return _Form(section_index, entry, entry.label, True)
        start, end = _first_sentence(entry.text)
        return _Form(section_index, entry, entry.text[start:end], False)

    @staticmethod
    def _group(section: Section) -> tuple[str, str]:
        return section.kind, _ckey(section.subject or "")

    def _provenance(
        self, index: int, entry: Entry, span: tuple[int, int] | None = None
    ) -> Provenance:
        section = self.article.sections[index]
        start, end = span if span is not None else _first_sentence(entry.text)
        return Provenance(
            kind=section.kind,
            heading=section.heading,
            text=entry.text,
            sentence=entry.text[start:end],
            start=entry.start,
            end=entry.end,
            section_index=index,
            sentence_start=entry.start + start,
            sentence_end=entry.start + end,
        )

    @staticmethod
    def _explain(prov: Provenance, label: str | None, lead: str = "") -> str:
        about = f"“{label}” — " if label else ""
        return f"{lead}From “{prov.heading}”: {about}{prov.sentence}"

    def add(
        self,
        type_: ItemType,
        prompt: str,
        prov: Provenance,
        *,
        choices: list[str] | None = None,
        answers: list[str] | None = None,
        pairs: list[list[str]] | None = None,
        explanation: str = "",
        back: str | None = None,
        extra_tags: tuple[str, ...] = (),
        alternatives: list[str] | None = None,
    ) -> bool:
        """Add an item unless the same question was already asked; return whether added."""
        if self.full:
            return False
        if len(self.items) >= MAX_ITEMS:
            self.full = True
            self.warnings.append(f"stopped after {MAX_ITEMS} items; the article is very long")
            return False
        key = f"{type_}\x1f{_ckey(prompt)}"
        if key in self.seen:
            # The same question about another section is told apart by naming the section.
            if self.seen[key] == prov.section_index:
                return False
            prompt = f"{prompt} (from “{prov.heading}”)"
            key = f"{type_}\x1f{_ckey(prompt)}"
            if key in self.seen:
                return False
        self.seen[key] = prov.section_index
        answers = answers or []
        digest = hashlib.sha1(
            "\x1f".join([type_, prompt, *answers]).encode("utf-8"), usedforsecurity=False
        ).hexdigest()[:10]
        tags = [prov.kind, _slug(prov.heading), *extra_tags]
        self.items.append(
            StudyItem(
                id=f"{type_}-{digest}",
                type=type_,
                prompt=prompt,
                choices=choices or [],
                answers=answers,
                pairs=pairs or [],
                explanation=explanation or self._explain(prov, None),
                provenance=prov,
                back=back,
                tags=tags,
                alternatives=alternatives or [],
            )
        )
        self.covered.add((prov.section_index, prov.start))
        return True

    def pick(
        self, pools: list[list[_Form]], avoid: set[str], want_label: bool, k: int
    ) -> list[_Form]:
        """Draw up to k distractors from pools in order, skipping anything in ``avoid``."""
        out: list[_Form] = []
        seen = set(avoid)
        for pool in pools:
            if len(out) >= k or not pool:
                continue
            for index in self.rng.sample(range(len(pool)), min(len(pool), 4 * k + 8)):
                form = pool[index]
                key = _ckey(form.text)
                if form.is_label != want_label or not key or key in seen:
                    continue
                seen.add(key)
                out.append(form)
                if len(out) >= k:
                    break
        return out

    def shuffled(self, values: list[str]) -> list[str]:
        values = list(values)
        self.rng.shuffle(values)
        return values

    def next_truth(self) -> bool:
        self.truth_flip = not self.truth_flip
        return self.truth_flip

    # ----------------------------------------------------------------- drivers

    def run(self) -> StudySetDraft:
        sections = self.article.sections
        has_key = any(s.kind in KEY_KINDS and s.entries for s in sections)
        for index, section in enumerate(sections):
            if not section.entries:
                continue
            if section.kind == "takeaways":
                self.takeaways(index, section)
            elif section.kind in ("pros", "cons"):
                self.pros_cons(index, section)
            elif section.kind == "analysis":
                self.analysis(index, section)
            elif not has_key:
                self.other_list(index, section)
        self.cover_rest()
        if not has_key:
            self.warnings.append(
                "no takeaways, pros/cons or analysis lists found; "
                "only fill-in-the-blank items from other lists were drafted"
            )
        if not self.items:
            self.warnings.append("no study items could be generated from this article")
        notes = [*self.article.warnings, *self.warnings]
        return StudySetDraft(self.article, self.seed, list(self.items), notes)

    def cloze(self, index: int, entry: Entry, span: tuple[int, int]) -> bool:
        """Hide the best key word of one sentence."""
        sentence = entry.text[span[0] : span[1]]
        for _score, _pos, match in _blank_candidates(sentence, self.stats):
            word = match.group()
            prompt = sentence[: match.start()] + BLANK + sentence[match.end() :]
            if word.lower() in prompt.lower():
                continue
            prov = self._provenance(index, entry, span)
            return self.add(
                "cloze", prompt, prov, answers=[word], alternatives=_alternatives(word),
                explanation=self._explain(prov, entry.label),
            )  # fmt: skip
        return False

    def flashcard(self, index: int, entry: Entry) -> None:
        """Label → description card."""
        if not entry.label:
            return
        prov = self._provenance(index, entry)
        self.add(
            "flashcard", entry.label, prov, answers=[entry.text], back=entry.text,
            explanation=self._explain(prov, entry.label),
        )  # fmt: skip

    # ----------------------------------------------------------------- takeaways

    def takeaways(self, index: int, section: Section) -> None:
        for entry in section.entries:
            if entry.label:
                self.flashcard(index, entry)
            else:
                prov = self._provenance(index, entry)
                prompt = f"Finish this key takeaway: “{_takeaway_prefix(entry.text)} …”"
                self.add(
                    "flashcard", prompt, prov, answers=[entry.text], back=entry.text,
                    explanation=self._explain(prov, None),
                )  # fmt: skip
            self.cloze(index, entry, _first_sentence(entry.text))
        self.takeaway_mcq(index, section)
        self.takeaway_multi(index, section)

    def statements(self) -> list[str]:
        """Plain sentences from outside the takeaways, the raw pool for takeaway distractors."""
        if self._statements is not None:
            return self._statements
        found: list[str] = []
        for section in self.article.sections:
            if section.kind == "takeaways":
                continue
            texts = [p.text for p in section.paragraphs]
            if section.kind == "other":
                texts.extend(e.text for e in section.entries)
            for text in texts:
                for start, end in sentence_spans(text):
                    sentence = text[start:end]
                    words = sentence.split()
                    if (
                        8 <= len(words) <= 40
                        and sentence.endswith(".")
                        and ":" not in sentence
                        and words[0].lower().strip("“\"‘'(,") not in _WEAK_STARTS
                    ):
                        found.append(sentence)
        self._statements = found
        return found

    def _statement_distractors(self, section: Section, avoid: set[str], k: int) -> list[str]:
        """Pick sentences that share little wording with any takeaway of this list."""
        pool = self.statements()
        takeaway_stems = [_stems(e.text) for e in section.entries]
        out: list[str] = []
        for i in self.rng.sample(range(len(pool)), min(len(pool), 6 * k + 10)):
            key = _ckey(pool[i])
            if key in avoid:
                continue
            if _too_close(_stems(pool[i]), takeaway_stems):
                continue  # a paraphrase of a takeaway would be a second right answer
            avoid.add(key)
            out.append(pool[i])
            if len(out) >= k:
                break
        return out

    def takeaway_mcq(self, index: int, section: Section) -> None:
        """One "which of these is a key takeaway?" question per takeaways list."""
        entry = section.entries[self.rng.randrange(len(section.entries))]
        span = _first_sentence(entry.text)
        correct = entry.text[span[0] : span[1]]
        avoid = set(self.truth[self._group(section)])
        distractors = self._statement_distractors(section, avoid, 3)
        if not distractors:
            return
        prov = self._provenance(index, entry, span)
        self.add(
            "mcq", "Which of these is one of the article’s key takeaways?", prov,
            choices=self.shuffled([correct, *distractors]), answers=[correct],
            explanation=self._explain(prov, entry.label),
        )  # fmt: skip

    def takeaway_multi(self, index: int, section: Section) -> None:
        """One "select all the key takeaways" question per takeaways list."""
        if len(section.entries) < 2:
            return
        count = min(len(section.entries), self.rng.choice((2, 3)))
        picked = sorted(self.rng.sample(range(len(section.entries)), count))
        chosen = [section.entries[i] for i in picked]
        correct = []
        for entry in chosen:
            start, end = _first_sentence(entry.text)
            correct.append(entry.text[start:end])
        if len({_ckey(c) for c in correct}) != len(correct):
            return
        avoid = set(self.truth[self._group(section)])
        distractors = self._statement_distractors(section, avoid, 2)
        if not distractors:
            return
        choices = self.shuffled([*correct, *distractors])
        answers = [c for c in choices if c in correct]
        prov = self._provenance(index, chosen[0])
        self.add(
            "multi",
            "Which of the following are among the article’s key takeaways? "
            "(Select all that apply)",
            prov, choices=choices, answers=answers,
            explanation=self._explain(prov, chosen[0].label),
        )  # fmt: skip

    # ----------------------------------------------------------------- pros / cons

    def opposite(self, section: Section) -> _Opposite:
        """The other side's list (same subject first) and its entries as distractor pools."""
        want = _OPPOSITE[section.kind]
        same = (want, _ckey(section.subject or ""))
        first = self.first_section.get(same, self.first_section.get((want, "\x00any")))
        target = self.article.sections[first] if first is not None else None
        pools = [self.group_forms.get(same, []), self.kind_forms.get(want, [])]
        return _Opposite(target, pools)

    def pros_cons(self, index: int, section: Section) -> None:
        opposite = self.opposite(section)
        for entry_index, entry in enumerate(section.entries):
            form = self.forms[index][entry_index]
            self.flashcard(index, entry)
            if entry.label:
                self.described_mcq(index, section, entry_index, opposite)
            self.side_true_false(index, section, form, opposite)
            if not entry.label:
                self.cloze(index, entry, _first_sentence(entry.text))
        forms = self.forms[index]
        self.side_mcq(index, section, forms[self.rng.randrange(len(forms))], opposite)
        self.side_multi(index, section, opposite)
        self.matching(index, section)

    def _side_pools(self, opposite: _Opposite) -> list[list[_Form]]:
        return [*opposite.pools, self.label_pool, self.sentence_pool]

    def side_mcq(self, index: int, section: Section, form: _Form, opposite: _Opposite) -> None:
        """Ask "which of these is listed as a con for Putin?", the other side as distractors."""
        avoid = self.truth[self._group(section)]
        distractors = self.pick(self._side_pools(opposite), avoid, form.is_label, 3)
        if not distractors:
            return
        if section.subject_phrase:
            prompt = f"Which of these is listed as {_role(section)}?"
        else:
            prompt = f"Which of these does the article list as {_role(section)}?"
        prov = self._provenance(index, form.entry)
        choices = self.shuffled([form.text, *(d.text for d in distractors)])
        self.add(
            "mcq", prompt, prov, choices=choices, answers=[form.text],
            explanation=self._explain(prov, form.entry.label),
        )  # fmt: skip

    def side_true_false(
        self, index: int, section: Section, form: _Form, opposite: _Opposite
    ) -> None:
        """State the entry's side truly, or move it to the opposite list (balanced)."""
        truth = self.next_truth()
        target = section
        if not truth:
            wrong = opposite.section
            if wrong is None or _ckey(form.text) in self.truth[self._group(wrong)]:
                truth = True
            else:
                target = wrong
        if target.subject_phrase:
            prompt = f"“{form.text}” is listed as {_role(target)}."
        else:
            prompt = f"The article lists “{form.text}” as {_role(target)}."
        prov = self._provenance(index, form.entry)
        lead = "" if truth else f"It is listed under “{section.heading}”, not “{target.heading}”. "
        self.add(
            "true_false", prompt, prov, choices=["True", "False"],
            answers=["True" if truth else "False"],
            explanation=self._explain(prov, form.entry.label, lead),
        )  # fmt: skip

    def side_multi(self, index: int, section: Section, opposite: _Opposite) -> None:
        """Ask "which of the following are listed as pros for Putin?" (select all)."""
        forms = self.forms[index]
        if len(forms) < 2:
            return
        count = min(len(forms), self.rng.choice((2, 3)))
        chosen = [forms[i] for i in sorted(self.rng.sample(range(len(forms)), count))]
        if len({_ckey(f.text) for f in chosen}) != len(chosen):
            return
        want_label = chosen[0].is_label
        if any(f.is_label != want_label for f in chosen):
            return
        avoid = self.truth[self._group(section)]
        distractors = self.pick(self._side_pools(opposite), avoid, want_label, 2)
        if not distractors:
            return
        correct = [f.text for f in chosen]
        choices = self.shuffled([*correct, *(d.text for d in distractors)])
        answers = [c for c in choices if c in correct]
        role = _role(section, plural=True)
        if section.subject_phrase:
            prompt = f"Which of the following are listed as {role}?"
        else:
            prompt = f"Which of the following does the article list as {role}?"
        prov = self._provenance(index, chosen[0].entry)
        self.add(
            "multi", f"{prompt} (Select all that apply)", prov, choices=choices,
            answers=answers, explanation=self._explain(prov, chosen[0].entry.label),
        )  # fmt: skip

    # ----------------------------------------------------------------- analysis

    def analysis(self, index: int, section: Section) -> None:
        for entry_index, entry in enumerate(section.entries):
            self.flashcard(index, entry)
            if entry.label:
                self.described_mcq(index, section, entry_index, None)
                self.analysis_true_false(index, section, entry_index)
            self.cloze(index, entry, _first_sentence(entry.text))
        self.matching(index, section)

    def described_mcq(
        self, index: int, section: Section, entry_index: int, opposite: _Opposite | None
    ) -> None:
        """Ask "which aim is described as follows: …?" with the list's labels as choices."""
        form = self.forms[index][entry_index]
        entry = form.entry
        span = _first_sentence(entry.text)
        masked = _mask_label_words(entry.text[span[0] : span[1]], form.text)
        avoid = {_ckey(form.text)}
        facing = opposite.pools if opposite is not None else []
        distractors = self.pick([self.forms[index], *facing, self.label_pool], avoid, True, 3)
        if not distractors:
            return
        if section.kind in ("pros", "cons"):
            lead = f"Which {_role(section).split(' ', 1)[1]} is"
        else:
            lead = f"Which {section.noun} is" if section.noun else "Which of these is"
        prov = self._provenance(index, entry, span)
        self.add(
            "mcq", f"{lead} described as follows: “{masked}”", prov,
            choices=self.shuffled([form.text, *(d.text for d in distractors)]),
            answers=[form.text], explanation=self._explain(prov, entry.label),
        )  # fmt: skip

    def analysis_true_false(self, index: int, section: Section, entry_index: int) -> None:
        """Pair a label with its own description (true) or a neighbour's (false)."""
        entry = section.entries[entry_index]
        span = _first_sentence(entry.text)
        sentence = entry.text[span[0] : span[1]]
        truth = self.next_truth()
        if not truth:
            others = [e for e in section.entries if e is not entry and e.label]
            other = others[self.rng.randrange(len(others))] if others else None
            start, end = _first_sentence(other.text) if other else (0, 0)
            candidate = other.text[start:end] if other else ""
            if candidate and _ckey(candidate) != _ckey(sentence):
                sentence = candidate
            else:
                truth = True
        prov = self._provenance(index, entry, span)
        lead = "" if truth else "That description belongs to another entry. "
        self.add(
            "true_false", f"The article describes “{entry.label}” as follows: “{sentence}”",
            prov, choices=["True", "False"], answers=["True" if truth else "False"],
            explanation=self._explain(prov, entry.label, lead),
        )  # fmt: skip

    def matching(self, index: int, section: Section) -> None:
        """Match labels to the first sentence of their descriptions, six at a time."""
        labelled = [e for e in section.entries if e.label]
        if len(labelled) < 3:
            return
        if section.kind == "analysis":
            what = section.noun or "term"
        else:
            what = _role(section).split(" ", 1)[1]
        for part, offset in enumerate(range(0, len(labelled), 6)):
            chunk = labelled[offset : offset + 6]
            if len(chunk) < 2:
                break
            pairs = []
            for entry in chunk:
                start, end = _first_sentence(entry.text)
                pairs.append([entry.label or "", entry.text[start:end]])
            lefts = {_ckey(p[0]) for p in pairs}
            rights = {_ckey(p[1]) for p in pairs}
            if len(lefts) != len(pairs) or len(rights) != len(pairs):
                continue
            suffix = f" (part {part + 1})" if len(labelled) > 6 else ""
            prov = self._provenance(index, chunk[0])
            self.add(
                "matching", f"Match each {what} to its description{suffix}.", prov,
                choices=self.shuffled([p[1] for p in pairs]), pairs=pairs,
                explanation=f"From “{section.heading}”: “{chunk[0].label}” — {prov.sentence}",
                extra_tags=("first-sentences",),
            )  # fmt: skip

    # ----------------------------------------------------------------- fallbacks

    def other_list(self, index: int, section: Section) -> None:
        """With no classified lists at all, still offer cloze items from plain lists."""
        for entry in section.entries:
            self.cloze(index, entry, _first_sentence(entry.text))

    def cover_rest(self) -> None:
        """Make sure every takeaway, pro, con and analysis entry has at least one item."""
        for index, section in enumerate(self.article.sections):
            if section.kind not in KEY_KINDS:
                continue
            for entry in section.entries:
                if (index, entry.start) in self.covered:
                    continue
                prov = self._provenance(index, entry)
                cue = entry.label or f"{_takeaway_prefix(entry.text)} …"
                self.add(
                    "flashcard", f"From “{section.heading}”: {cue}", prov,
                    answers=[entry.text], back=entry.text,
                    explanation=self._explain(prov, entry.label),
                )  # fmt: skip


def generate_study_set(article: Article, *, seed: int = 0) -> StudySetDraft:
    """Draft study items from an article; the same article and seed give the same items."""
    return _Generator(article, seed).run()


def build_study_set(
    data: bytes | str,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    seed: int = 0,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """Parse an upload and return the JSON-ready study set.

    :raises ArticleError: when the upload cannot be read as an article.
    """
    article = parse_article(data, filename=filename, fmt=fmt, max_bytes=max_bytes)
    return generate_study_set(article, seed=seed).to_dict()
