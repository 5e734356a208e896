"""Units of evidence: the pieces of a chunk that can stand alone as a quoted answer.

A chunk's text (Markdown-ish: paragraphs, ``-``/``1.`` list items, ``#`` headings, ``|`` table
rows) becomes units:

- a **sentence** of a paragraph or list item;
- a **labelled** line keeps its label ("Period: serious incidents that happened between ...");
- a **list** keeps its lead-in and its items ("The seven golden rules ...:" + the items), so a
  question about "the seven golden rules" gets the list, not seven unrelated sentences. Each item
  that reads as a full sentence is also a unit of its own;
- a **table** (rows of cells joined by " | ", as every loader writes them) is a list whose items
  are its rows, header first, with the lead-in before it if there is one: a row alone ("Asian or
  Asian British | 5% | 12%") means nothing without its header. A sentence that opens the paragraph
  after a table or list with a reference ("So Black children ... were over-represented") reads
  the table or list, so it is joined to it;
- a sentence that opens with a pronoun or connective ("It made eight recommendations", "However,
  ...") is joined to the sentence before it in the same paragraph; without one it is not used;
- a fragment (a piece starting in lower case, typically a line broken off a PDF sentence), a
  question, a table row, a heading, or a line carrying a web address is never a unit.

A unit is **context**, not evidence, when it is about the document itself (disclaimers, "this
briefing relies on ...", "page numbers are not given", licence and front-matter notes): it stays
searchable but is never quoted as a finding.

Every unit's text is an exact span of the chunk text with Markdown emphasis markers and the
leading list marker removed and whitespace collapsed (``assistant.text.normalisation.quote_key`` folds the
same things), so it verifies verbatim against the document's pages. List units keep their line
breaks and inner list markers so they can be shown as a list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.text.normalisation import unemphasised
from assistant.text.sentences import sentence_spans

UNIT_KINDS = ("sentence", "labelled", "list")
MIN_WORDS = 4
HEADING_WORDS = 12  # an unpunctuated line this short is a heading, not a statement
MAX_LIST_ITEMS = 12
MAX_LIST_CHARS = 1200
BARE_LEAD_WORDS = 5  # a lead-in this short names no subject: the sentence before it does
MAX_RUN = 3  # sentences in a unit that joins reference openers to their antecedent

_LIST_MARKER = re.compile(r"^\s*(?:[-*+•▪◦‣●]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+)")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_LABEL = re.compile(r"^([A-Z][\w’'()/&,-]*(?:\s+[\w’'()/&,-]+){0,5}):\s+\S")
OPENERS = frozenset(
    """it its they their them this these those that she he her his such however but also
    therefore thus so instead furthermore moreover additionally similarly likewise consequently
    here there both""".split()  # noqa: SIM905
)
# Text about the document itself: a self-reference and a statement about how it was made or
# what it does not contain.
_SELF = r"(?:this|the present|our)\s+(?:summary|briefing|document|note|page|paper|digest|synopsis|overview|précis|version|file|guide|resource|extract|library)"
_ABOUT_DOCUMENT = re.compile(
    rf"\b{_SELF}\b[^.]{{0,80}}\b(?:written|prepared|produced|compiled|relies|rely|draws|is based|"
    r"are based|based on|summari[sz]es|is a summary|is not|does not|do not|cannot|is intended|"
    r"was created|was made|paraphrases|reproduces|quotes from|should be read|licen[cs]ed|"
    r"copyright)|"
    r"\bpage numbers? (?:are|is) not\b|\bnot the official (?:publication|version|text)\b|"
    r"\b(?:check|consult|read|see) the (?:original|official|full) (?:publication|report|text|"
    r"document|version)\b|\bdemo library\b|\b(?:written|adapted)\b[^.:]{0,40}\bfor (?:this|the) (?:library|project|assistant|tool)\b|"
    r"\bcontains public sector information\b|\bopen government licen[cs]e\b|"
    r"\bweb address\b[^.]{0,80}\b(?:not confirmed|unconfirmed|could not be (?:confirmed|found))|"
    r"\bthe address (?:above|given|below)\b|\b(?:in|of|to|from|for) this library\b|"
    r"\bavailable only in part\b|\bno claim is made here\b|"
    r"\bcould not be confirmed (?:from|in|against) the (?:sources?|available)\b|"
    # "The available sources do not report ...", "None of the sources available here confirm
    # ...", "as reported by the sources listed": what the writers had to hand, not a finding
    r"\b(?:available sources|sources (?:available|used|consulted|drawn on|listed))\b|"
    r"\bnone of the sources\b|\bis not summari[sz]ed\b|\bsecondary sources?\b|"
    r"\bas (?:those|these|the|its) sources (?:give|report|state)\b|\b(?:was|were|is|are) not available (?:here|in full)\b|"
    r"\bonly (?:this|the|one)\b[^.;]{0,40}?\b(?:was|were) available\b|"
    r"\bshould be checked against the (?:report|original|publication|source)s?\b|"
    r"\b(?:full|original) (?:report|text|review|publication)s? (?:was|were|is|are) not available\b|\b(?:review|report|paper|publication|inquiry report)"
    r"s? (?:itself|themselves) (?:was|were) not (?:available|read|seen)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Unit:
    """One stand-alone unit of evidence within a chunk."""

    text: str  # verbatim quotable text (emphasis and leading list marker removed)
    kind: str  # one of UNIT_KINDS
    block: int  # block number within the chunk (reading order)
    position: int  # unit number within the chunk (reading order)
    context: bool = False  # about the document itself: never quoted as a finding


@dataclass(frozen=True)
class _Block:
    text: str
    kind: str  # paragraph | item | heading | table
    n: int
    marker: str = ""  # an item's list marker as written ("- ", "3. ")


def _blocks(text: str) -> list[_Block]:
    out: list[_Block] = []
    current: list[str] = []

    marker = ""

    def flush(kind: str = "paragraph") -> None:
        if current:
            out.append(_Block("\n".join(current), kind, len(out), marker if kind == "item" else ""))
            current.clear()

    item_open = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush("item" if item_open else "paragraph")
            item_open = False
        elif stripped.startswith("#") or stripped.startswith("|"):
            flush("item" if item_open else "paragraph")
            item_open = False
            out.append(_Block(stripped, "heading" if stripped[0] == "#" else "table", len(out)))
        elif found := _LIST_MARKER.match(line):
            flush("item" if item_open else "paragraph")
            marker = found.group(0).strip() + " "
            current.append(line[found.end() :].strip())
            item_open = True
        else:
            current.append(stripped)
    flush("item" if item_open else "paragraph")
    return _rejoin_items(out)


def _rejoin_items(blocks: list[_Block]) -> list[_Block]:
    """An item cut by a blank line mid-sentence (a PDF line or page break): the lowercase
    paragraph after an unfinished item is the rest of that item."""
    out: list[_Block] = []
    for block in blocks:
        before = out[-1] if out else None
        if (
            before is not None
            and before.kind == "item"
            and block.kind == "paragraph"
            and block.text[:1].islower()
            and not before.text.rstrip().endswith(_ENDS)
        ):
            out[-1] = replace(before, text=f"{before.text}\n{block.text}")
        else:
            out.append(replace(block, n=len(out)))
    return out


def _marker_style(marker: str) -> str:
    """The kind of list marker an item has: "bullet", "number" or "letter"."""
    bare = marker.strip().lstrip("(")
    if bare[:1].isdigit():
        return "number"
    return "letter" if bare[:1].isalpha() else "bullet"


def clean(text: str) -> str:
    """Display form of a span: emphasis markers removed, whitespace collapsed."""
    return " ".join(unemphasised(text).split())


_CROSS_REFERENCE = re.compile(
    r"^\W*see (?:also )?(?:the |our |its )?\w|"
    # a pointer elsewhere: "Further information about the duty can be found in ..."
    r"^(?:further|more|additional) (?:information|guidance|details|advice|resources)\b"
    r"[^.]{0,100}\b(?:can be found|is available|are available|is provided|is set out)\b|"
    # "For further information about upskirting see Annex B.", "For more detail, see ..."
    r"^for (?:further|more|additional) (?:information|guidance|details?|advice)\b[^.]{0,100}"
    r"\bsee\b|"
    # a signpost: "This chapter describes the purpose of ...", "This section sets out ..."
    r"^this\s+(?:chapter|section|part|annex|appendix|document|guidance|advice|framework|report|"
    r"briefing)\s+(?:describes|sets out|explains|outlines|covers|summari[sz]es|provides|gives|"
    r"introduces|looks at|considers|contains|includes|is structured|is divided)\b",
    re.IGNORECASE,
)


def is_context(text: str) -> bool:
    """True for text about the document itself rather than about its subject: notes on how it
    was made and what it could not read, and pointers elsewhere ("See also the ... briefing")."""
    return _about_document(text) or bool(_CROSS_REFERENCE.match(text))


# The same pattern, for lower-cased ASCII text: its letters are all lower case (and one "é"), so
# on an ASCII text IGNORECASE matches exactly where the lowered text matches it without the flag,
# and the search is about twice as fast. A chunk's sentences recur (chunks overlap and read on
# into the next one), so each text's answer is kept.
_ABOUT_DOCUMENT_LOWER = re.compile(_ABOUT_DOCUMENT.pattern)


@lru_cache(maxsize=8192)
def _about_document(text: str) -> bool:
    if text.isascii():
        return bool(_ABOUT_DOCUMENT_LOWER.search(text.lower()))
    return bool(_ABOUT_DOCUMENT.search(text))


def quotable(text: str, *, labelled: bool = False) -> bool:
    """A statement that can stand alone: not a question, heading, table row, link or fragment."""
    bare = text.rstrip("\"'”’)]")
    words = text.split()
    if bare.endswith("?") or " | " in text or _URL.search(text) or _LINK_NOTE.search(text):
        return False  # a link ("... (legislation.gov.uk)") points elsewhere; it states nothing
    if not text[:1].isupper() and not text[:1].isdigit() and text[:1] not in "\"“‘'(":
        return False  # a fragment broken off a sentence
    if labelled:
        return len(words) >= 3 and not _names_a_work(text)
    if not bare.endswith((".", "!", ";")) and len(words) <= HEADING_WORDS:
        return False
    return len(words) >= MIN_WORDS


_SMALL_WORDS = frozenset("a an the and or of for to in on at by with from as".split())  # noqa: SIM905
# a web site in brackets: "(publishing.service.gov.uk)", "(gmc-uk.org)"; not "(s.47)", "(e.g.)"
_LINK_NOTE = re.compile(r"\(\s*[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\s*\)")


def _names_a_work(labelled: str) -> bool:
    """A labelled line whose value is a title ("Public Health England: Every Mind Matters",
    "ICO Guidance: Children and the UK GDPR") or carries a link's site: an entry in a list of
    resources, which names a document and says nothing about it."""
    label, _, value = labelled.partition(":")
    if _VERB.search(label):
        return False  # "Alternatively, staff can write to: ...": a sentence, not an entry
    value = value.strip()
    if _LINK_NOTE.search(value):
        return True
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", value) if w.lower() not in _SMALL_WORDS]
    return len(words) >= 2 and all(w[0].isupper() for w in words) and not value.endswith(".")


_EXISTENTIAL = re.compile(
    r"^there\s+(?:is|are|was|were|has|have|had|will|would|may|might|can|could|must|should|seems?|appears?)\b",
    re.IGNORECASE,
)
# A short fronted phrase, then a pronoun as the subject: "A social worker by background, she was
# previously ...", "In 2019, it published ...": the pronoun needs the sentence before.
_FRONTED_PRONOUN = re.compile(
    r"^(?!(?:if|when|whenever|where|wherever|although|though|while|whilst|because|unless|once|"
    r"as|before|after|since|until|for|in order)\b)[^,.;:]{2,60},\s+(?:she|he|they|"
    r"it(?!\s+(?:is|was|will|would|may|might|can|could|should|must|has been|had been|seems|"
    r"appears)\b))\s+\w",
    re.IGNORECASE,
)


# The same without a comma after a short phrase of time or place: "At the launch she described
# ...", "In 2019 they published ...".
_FRONTED_PRONOUN_BARE = re.compile(
    r"^(?:at|in|on|during|after|before|by|following|later|earlier|then|since)\s+[^,.;:]{1,40}?\s+"
    r"(?:she|he|they)\s+[a-z]",
    re.IGNORECASE,
)


# "It is not usually necessary to ...", "It is important that ...", "It was found that ...":
# the "it" stands for the clause after it, not for anything said before
_EXTRAPOSED = re.compile(
    r"^it\s+(?:is|was|will be|would be|may be|might be|can be|could be|should be|must be|"
    r"has been|had been|seems|seemed|appears|appeared|remains|becomes)\s+"
    r"(?:(?:not|also|usually|often|generally|always|never|therefore|still|very|particularly|"
    r"especially|equally|more|less|most|so|now|rarely|sometimes|absolutely|critically)\s+)*"
    r"[a-z]+\s+(?:to|that|for|whether|if|how|when|where|what)\b",
    re.IGNORECASE,
)


# "This guidance", "this document", "this chapter": the document (or a part of it) that a quote is
# cited from, which its citation names
_THIS_DOCUMENT = re.compile(
    r"^this\s+(?:statutory\s+|non-statutory\s+)?(?:guidance|document|advice|framework|report|"
    r"review|briefing|chapter|section|annex|appendix|publication)\b",
    re.IGNORECASE,
)


def _opens_with_reference(text: str) -> bool:
    bare = text.lstrip("\"“‘'(")
    first = re.split(r"[\s,]", bare, maxsplit=1)[0].lower()
    if first == "there" and _EXISTENTIAL.match(bare):
        return False  # "There are several principles ...": existential, refers to nothing
    if first == "it" and _EXTRAPOSED.match(bare):
        return False  # "It is important that ...": "it" stands for what follows
    if _THIS_DOCUMENT.match(bare):
        return False  # "This guidance is issued under:": the document the quote is cited from
    return (
        first in OPENERS
        or bool(_FRONTED_PRONOUN.match(bare))
        or bool(_FRONTED_PRONOUN_BARE.match(bare))
    )


def _sentences(block: _Block) -> list[str]:
    return list(_sentences_of(block.text))


@lru_cache(maxsize=2048)  # a block's sentences are asked for several times, and blocks recur
def _sentences_of(text: str) -> tuple[str, ...]:
    out: list[str] = []
    notes = _footnotes(text)
    for piece in notes:
        found = [clean(s.text) for s in sentence_spans(unemphasised(piece), lines_break=False)]
        if found:  # a footnote's own number ("140 The Voyeurism ...") is not part of its text
            number = _NOTE_RUN if len(notes) > 1 else _NOTE_NUMBER
            found[0] = number.sub("", found[0], count=1)
        out.extend(s for s in found if s)
    return tuple(out)


_NOTE_RUN = re.compile(r"^\d{1,3}\s?(?=[A-Z])")


def _footnotes(text: str) -> list[str]:
    """A paragraph of footnotes run together, split where the next number follows ("11 UKCIS
    guidance: ... settings 12 For further information ..."): a footnote has no full stop to end
    it, but its successor's number is one more than its own."""
    first = _NOTE_RUN.match(text)
    if first is None:
        return [text]
    pieces, start, number = [], 0, int(first.group(0))
    while found := re.search(rf"\s{number + 1}\s?(?=[A-Z])", text[start:]):
        cut = start + found.start()
        if text[:cut].rsplit(None, 1)[-1].lower() in _SMALL_WORDS:
            break  # "... in 2023 and 41 Reviews ...": a count within a sentence
        pieces.append(text[start:cut])
        start, number = cut + 1, number + 1
    pieces.append(text[start:])
    return pieces


# A paragraph opening with a bare number and then a capitalised word: the number of a footnote
# moved to the page's foot ("140 The Voyeurism (Offences) Act 2019 ...", "40Public Health ...").
# A numbered paragraph has a full stop ("135. Governing bodies"); a quantity, a lower-case word.
_NOTE_NUMBER = re.compile(r"^\d{1,3}\s?(?=[A-Z][a-z])")
# "The Act came into force on 12 April 2019." after a sentence naming "the Voyeurism (Offences)
# Act 2019": a definite noun phrase naming again what the sentence before named.
_DEFINITE = re.compile(r"^The\s+([A-Za-z][a-z]{2,})\b(?!\s+(?:of|that|which|who)\b)")
DEFINITE_WORDS = 25  # longer sentences usually say enough to stand alone


# "For example, ...": a sentence that illustrates the one before, which states what it shows
_ILLUSTRATES = re.compile(
    r"^(?:for (?:example|instance)|in particular|in other words|that is to say|specifically),",
    re.IGNORECASE,
)


def _names_again(sentence: str, previous: str) -> bool:
    """A short sentence opening "The <noun>" whose noun the sentence before also used."""
    found = _DEFINITE.match(sentence)
    if not found or len(sentence.split()) > DEFINITE_WORDS:
        return False
    noun = found.group(1).lower()
    said = set(re.findall(r"[a-z]+", previous.lower()))
    return noun in said or f"{noun}s" in said or noun.rstrip("s") in said


def _block_units(block: _Block) -> list[tuple[str, str]]:
    """(kind, text) units of one paragraph or list item. A sentence opening with a reference
    ("It", "However") is joined to the run of sentences it depends on, back to one that does
    not open with a reference (at most MAX_RUN sentences); without one it is not used."""
    out: list[tuple[str, str]] = []
    run: list[str] = []
    sentences = _sentences(block)
    if len(sentences) > 1 and _is_title(sentences[0]):
        # "Professional Inter-Adultification Model. Introduced in 2022, it asks ...": the short
        # title labels the text after it, which keeps it as its label
        title, first, *rest = sentences
        if _opens_with_reference(first) or quotable(first):
            out.append(("labelled", f"{title} {first}"))
            run = [title, first]
        sentences = rest
    for sentence in sentences:
        if is_context(sentence):  # "This briefing relies on ...": about the document, alone
            out.append(("sentence", sentence))
            run = []
            continue
        if _opens_with_reference(sentence):
            if (
                run
                and len(run) < MAX_RUN + _is_title(run[0])
                and (quotable(run[0]) or _is_title(run[0]))
            ):
                run.append(sentence)
                out.append(("sentence", " ".join(run)))
            else:
                run = []
            continue
        previous, run = run[-1] if run else "", [sentence]
        labelled = bool(_LABEL.match(sentence)) and not out
        if quotable(sentence, labelled=labelled):
            claim = bool(previous) and quotable(previous) and not is_context(previous)
            if claim and _ILLUSTRATES.match(sentence):
                # "For example, ...": quoted with the statement it illustrates
                out.append(("sentence", f"{previous} {sentence}"))
                continue
            out.append(("labelled" if labelled else "sentence", sentence))
            if claim and _names_again(sentence, previous):
                # kept alone too: the pair is for a question whose words the first one holds
                out.append(("sentence", f"{previous} {sentence}"))
    return out


TITLE_WORDS = 10
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|do|does|did|will|would|can|could|may|"
    r"might|must|shall|should|says?|said|made|makes?|found|finds?|took|takes?|gave|gives?|"
    r"[a-z]{2,}ed)\b"
)


def _is_title(sentence: str) -> bool:
    """A label, not a statement: a short line that opens a paragraph, with no verb and mostly
    capitalised words ("Professional Inter-Adultification Model.", "HM Inspectorate ...
    glossary.", "Training.")."""
    words = sentence.split()
    if len(words) > TITLE_WORDS or not sentence[:1].isupper() or not sentence.endswith("."):
        return False
    if _VERB.search(sentence):
        return False
    capitalised = sum(w.lstrip("(\"“‘'")[:1].isupper() for w in words)
    return len(words) < MIN_WORDS or capitalised >= len(words) / 2  # a name, not a clause


def _antecedent(sentences: list[str]) -> list[str]:
    """The run of sentences a reference opener depends on: back from the last sentence to one
    that does not itself open with a reference (at most MAX_RUN - 1), if that one is quotable."""
    run: list[str] = []
    for sentence in reversed(sentences):
        run.insert(0, sentence)
        if len(run) >= MAX_RUN:
            return []
        if not _opens_with_reference(sentence):
            return run if quotable(sentence) and not is_context(sentence) else []
    return []


_ENDS = (".", "!", "?", ";", ":", '"', "”", "’", ")")


def _is_row(block: _Block) -> bool:
    """A table row as the loaders write it: one line of cells joined by " | ". A footnote that
    cites a web page by its title ("17 Special category data | ICO") is not one."""
    return block.kind == "table" or (
        block.kind == "paragraph"
        and "\n" not in block.text.strip()
        and " | " in block.text
        and not _NOTE_NUMBER.match(block.text.lstrip())
    )


def _list_unit(lead_in: str, items: list[_Block]) -> str | None:
    lines = [lead_in] if lead_in else []
    marked = all(item.kind == "item" for item in items)
    for i, item in enumerate(items[:MAX_LIST_ITEMS]):
        text = clean(item.text)
        sentences = _sentences(item)
        if i == len(items) - 1 and len(sentences) > 1 and not sentences[-1].endswith(_ENDS):
            text = " ".join(sentences[:-1])  # the chunk ends mid-sentence after the list
        if marked and len("\n".join([*lines, item.marker + text])) > MAX_LIST_CHARS:
            break  # a long marked list: its lead-in and the items that fit, in order
        lines.append(item.marker + text)
    text = "\n".join(lines)
    if len(items) < 2 or len(lines) - bool(lead_in) < 2 or len(text) > MAX_LIST_CHARS:
        return None  # unmarked paragraphs too long to be one list may not be one
    return text


def _table_start(blocks: list[_Block], i: int) -> bool:
    """Block i opens a table that no lead-in before it has taken as its items."""
    if not _is_row(blocks[i]) or (i > 0 and _is_row(blocks[i - 1])):
        return False
    if i == 0:
        return True
    before = blocks[i - 1]
    return not (before.kind == "paragraph" and _lead_in(before, _sentences(before)))


def _reads_what_precedes(blocks: list[_Block], i: int, listed: dict[int, str]) -> str | None:
    """A list or table unit ending just before block i, joined to block i's first sentence when
    that sentence opens with a reference to it ("So ...", "These ...")."""
    block = blocks[i]
    if block.kind not in ("paragraph", "item") or i == 0:
        return None
    sentences = _sentences(block)
    if not sentences or not _opens_with_reference(sentences[0]):
        return None
    before = listed.get(i - 1)
    if before is None:
        return None
    text = f"{before}\n{sentences[0]}"
    return text if len(text) <= MAX_LIST_CHARS else None


def units_read_on(text: str, following: str) -> list[Unit]:
    """The units that begin in ``text``, read on into ``following`` (the text that comes next,
    such as the next chunk's), so that a list or sentence cut off at the end of ``text`` is
    whole: "one of the following conditions exists:" keeps the items the next chunk holds."""
    if not following.strip():
        return units(text)
    begins = len(_blocks(text))
    found = [u for u in units(text + _continuation(text, following)) if u.block < begins]
    return [replace(u, position=i) for i, u in enumerate(found)]


def opens_with_items(text: str) -> bool:
    """``text`` starts with a marked list item (the rest of a list begun before it)."""
    blocks = _blocks(text)
    return bool(blocks) and blocks[0].kind == "item"


OVERLAP_KEY = 12  # characters of the next text looked for in this one, to find their overlap


def _continuation(text: str, following: str) -> str:
    """What ``following`` adds after ``text``: past their overlap (chunks overlap by a few
    blocks), or all of it as a new block."""
    key = following[:OVERLAP_KEY]
    at = text.find(key)
    while at != -1:
        if following.startswith(text[at:]):
            return following[len(text) - at :]
        at = text.find(key, at + 1)
    return "\n\n" + following


def units(text: str) -> list[Unit]:
    """The units of one chunk's text, in reading order."""
    blocks = _blocks(text)
    out: list[Unit] = []

    def add(kind: str, body: str, block: int) -> None:
        out.append(Unit(body, kind, block, len(out), is_context(body)))

    listed: dict[int, str] = {}  # last block of a list or table unit -> the unit's text

    def add_list(text: str | None, items: list[_Block], block: int) -> None:
        if text is not None:
            add("list", text, block)
            listed.setdefault(items[-1].n, text)

    for i, block in enumerate(blocks):
        if _table_start(blocks, i):
            rows = _following_rows(blocks, i - 1)
            add_list(_list_unit("", rows), rows, block.n)
        if block.kind in ("heading", "table") or _is_row(block):
            continue
        joined = _reads_what_precedes(blocks, i, listed)
        if joined is not None:
            add("list", joined, block.n)
        pieces = _block_units(block)
        sentences = _sentences(block)
        lead_in = _lead_in(block, sentences)
        if lead_in and _opens_with_reference(
            lead_in
        ):  # "It lists ... including:": say what "it" is
            before = _antecedent(sentences[:-1])
            lead_in = " ".join([*before, lead_in]) if before else ""
        elif lead_in and len(sentences) > 1 and len(lead_in.split()) <= BARE_LEAD_WORDS:
            before = _antecedent(sentences[:-1])  # "According to news coverage:": of what?
            lead_in = " ".join([*before, lead_in])
        if lead_in:
            items = _following_items(blocks, i)
            add_list(_list_unit(lead_in, items), items, block.n)
        for kind, body in pieces:
            if not body.endswith(":"):
                add(kind, body, block.n)
    return out


NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
# "one of the following conditions", "two or more of": a choice among the items, not their count
_COUNT = re.compile(
    r"\b(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\b(?!\s+(?:of|or)\b)", re.IGNORECASE
)
ITEM_WORDS = 60
HEADING_LEAD_WORDS = 8  # a paragraph after a lead-in counts as an item when this short


def stated_count(lead_in: str) -> int | None:
    """The number of items a lead-in announces ("the seven golden rules are:"), if any."""
    found = _COUNT.findall(lead_in)
    if not found:
        return None
    word = found[-1].lower()
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _lead_in(block: _Block, sentences: list[str]) -> str:
    """A list's lead-in: a paragraph's last sentence ending in a colon, or a heading-like line
    (short, unpunctuated: "Spotlight themes") that items follow. A table row is never one."""
    if block.kind not in ("paragraph", "item") or not sentences or _is_row(block):
        return ""
    if sentences[-1].endswith(":"):  # also a numbered paragraph's ("135. ... four areas:")
        return sentences[-1]
    if block.kind == "item":
        return ""
    text = clean(block.text)
    short = "\n" not in block.text.strip() and len(text.split()) <= HEADING_LEAD_WORDS
    if short and text[:1].isupper() and not text.endswith((".", "!", "?", ";", ",")):
        return text
    return ""


def is_lead_in(paragraph: str) -> bool:
    """A paragraph that announces what follows: it ends with a colon, or it is a short
    unpunctuated heading-like line ("Spotlight themes")."""
    text = clean(paragraph)
    if text.endswith(":"):
        return True
    if " | " in text:
        return False  # a table row
    short = "\n" not in paragraph.strip() and len(text.split()) <= HEADING_LEAD_WORDS
    return short and text[:1].isupper() and not text.endswith((".", "!", "?", ";", ","))


def _following_items(blocks: list[_Block], i: int) -> list[_Block]:
    """The items after a lead-in: marked list items, or (where ingest dropped the markers) the
    short paragraphs that follow, as many as the lead-in announces when it gives a number."""
    if i + 1 < len(blocks) and _is_row(blocks[i + 1]):
        return _following_rows(blocks, i)  # a table: all its rows, whatever the lead-in counts
    expected = stated_count(clean(blocks[i].text))
    lead = blocks[i]
    items: list[_Block] = []
    for block in blocks[i + 1 :]:
        if block.kind == "item" and _another_list(lead, items, block):
            break
        if block.kind == "paragraph" and _lead_in(block, _sentences(block)) == clean(block.text):
            break  # the next heading-like line ends the list
        if block.kind == "paragraph" and any(b.kind == "item" for b in items):
            break  # items with markers: a paragraph without one is the text after the list
        if block.kind == "item" or (
            block.kind == "paragraph" and len(block.text.split()) <= ITEM_WORDS
        ):
            items.append(block)
        else:
            break
        if expected is not None and len(items) >= expected:
            break
        if _ends_enumeration(items):
            break  # "...;" items closed by one ending in a full stop: the list is complete
    if _ends_enumeration(items):
        return items
    if expected is None and any(b.kind == "paragraph" for b in items) and len(items) > 8:
        return []
    return items


def _another_list(lead: _Block, items: list[_Block], block: _Block) -> bool:
    """``block`` is not one of the lead-in's items: its marker differs from the items' so far
    (numbered paragraphs after bullets), or it is numbered like a numbered lead-in (the next
    paragraph, "251." after "250. ... for example:")."""
    style = _marker_style(block.marker)
    if items:
        return items[0].kind == "item" and style != _marker_style(items[0].marker)
    return lead.kind == "item" and style == "number" == _marker_style(lead.marker)


def _following_rows(blocks: list[_Block], i: int) -> list[_Block]:
    """The table rows right after block i (the header row first)."""
    rows: list[_Block] = []
    for block in blocks[i + 1 :]:
        if not _is_row(block):
            break
        rows.append(block)
    return rows


def _ends_enumeration(items: list[_Block]) -> bool:
    """Items punctuated as one enumeration: each ends with ";" (or "; and") but the last, which
    ends with a full stop."""
    if len(items) < 2 or not items[-1].text.rstrip().endswith("."):
        return False
    return all(b.text.rstrip().endswith((";", "; and", "; or")) for b in items[:-1])
