"""The ``partial`` rule: when the passages found cover only part of what the question asks.

Retrieval can find relevant-looking passages for a question the library cannot fully answer
("Was <a named child> in the sample?", "On which page...?", "List all 14 recommendations word for
word"). Each check below is a transparent rule; any that fires makes the status ``partial`` and
adds its canned explanation to the answer's notices. The answer still shows what the library
does hold, quoted and cited.

1. **weak** - the best passage's cosine similarity is above the no-evidence threshold but within
   ``settings.partial_margin`` of it.
2. **names** - the question names something (a capitalised name or a quoted title) that appears
   in none of the passages, their section headings or their documents' titles.
3. **pages** - the question asks on which page something appears, and none of the documents found
   is paginated (only PDFs carry printed page numbers).
4. **complete** - the question asks for a full text or a complete list word for word; an answer
   quotes at most ``settings.answer_max_sentences`` sentences.
5. **live case** - the input guardrails flagged a question about a particular child or family
   (they add a signposting notice): the reviews give general learning only.
6. **specific** (after generation, ``assess_answer``) - the question asks for a number ("how
   many", "what percentage", "what fine", "how long") or a ranking ("which ... most often", "the
   largest") and neither the quoted sentences nor any sentence of the passages found carries one
   about the question's focus (``assistant.checks.specifics`` has the rule).

A name written as a common safeguarding acronym ("DSL") counts as mentioned when the passages
spell it out ("designated safeguarding lead"), and the other way round (``ACRONYMS``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.checks.specifics import missing_kind
from assistant.text.normalisation import quote_key
from assistant.text.question import ACRONYMS, GROUP_NAMES
from assistant.text.quotable import split
from assistant.types import Passage

Messages = Callable[..., str]

PAGINATED_MEDIA = frozenset({"pdf"})
_PAGE_REQUEST = re.compile(
    r"\b(?:which|what|on which|on what)\s+pages?\b|\bpage\s+(?:numbers?|references?)\b|"
    r"\bwhich\s+pages?\b|\bwhat\s+page\b",
    re.IGNORECASE,
)
_COMPLETE_REQUEST = re.compile(
    r"\bword\s+for\s+word\b|\bverbatim\b|\bin\s+full\b|\bfull\s+(?:text|list|wording)\b|"
    r"\b(?:list|give|quote|show)\s+(?:me\s+)?(?:all|every|each)\b|\ball\s+\d+\s+\w+|"
    r"\bcomplete\s+(?:list|text)\b|\bentire\s+(?:text|report|list)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(
    r"(?:^|[\s(])['\"‘“]((?:[^'\"‘’“”]|(?<=\w)['’](?=\w)){3,60}?)['\"’”](?=[\s,.?!:;)]|$)"
)
_CAPITALISED = re.compile(r"[A-Z][\w’'&-]*(?:\s+(?:of|the|for|&)?\s*[A-Z][\w’'&-]*)*")
_AFTER_START = re.compile(r"(?:^|[.!?:;]\s+|['\"‘“(]\s*)$")
_NOT_NAMES = frozenset(
    """i i'm i've i'd i'll what who whom whose when where why how which is are was were do does did
    can could should would will has have had please tell list give show compare explain describe
    summarise summarize and but or if in on at for to of the a an""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Coverage:
    reasons: tuple[str, ...]  # canned explanations, shown as notices

    @property
    def partial(self) -> bool:
        return bool(self.reasons)


def assess(
    question: str,
    passages: Sequence[Passage],
    *,
    max_sentences: int,
    live_case: bool,
    messages: Messages,
) -> Coverage:
    """Rules 3 to 5 (pages, complete text, live case). How well the evidence supports the
    question, and which of its subjects the library lacks, is ``assistant.evidence``'s."""
    reasons: list[str] = []
    if asks_for_pages(question) and not any(
        p.document.media_type in PAGINATED_MEDIA for p in passages
    ):
        reasons.append(messages("partial_pages"))
    if asks_for_complete_text(question):
        reasons.append(messages("partial_complete", limit=max_sentences))
    if live_case:
        reasons.append(messages("partial_live_case"))
    return Coverage(tuple(reasons))


def assess_answer(
    question: str, quotes: Sequence[str], passages: Sequence[Passage], *, messages: Messages
) -> tuple[str, ...]:
    """Rule 6, once the answer's quotes are known: the explanation when a number or ranking the
    question asks for is in none of the quotes or the passages' sentences, else nothing."""
    found = [(s.text, _heading(p)) for p in passages for s in split(p.chunk.text)]
    sentences = [*quotes, *(text for text, _ in found)]
    contexts = [""] * len(quotes) + [context for _, context in found]
    kind = missing_kind(question, sentences, contexts)
    return (messages(f"partial_{kind}"),) if kind else ()


def _heading(passage: Passage) -> str:
    return " ".join([passage.document.title, *passage.chunk.section])


def asks_for_pages(question: str) -> bool:
    return bool(_PAGE_REQUEST.search(question))


def asks_for_complete_text(question: str) -> bool:
    return bool(_COMPLETE_REQUEST.search(question))


# Groups a question may name in lower case or at a sentence start ("white children", "Black girls
# were..."): each must appear in a passage too, or the answer says the library does not mention it.
_GROUP = GROUP_NAMES


def groups_in(question: str) -> list[str]:
    """Ethnic and faith groups the question names, as written (lower-cased)."""
    return list(dict.fromkeys(m.group(0).lower() for m in _GROUP.finditer(question)))


def names_in(question: str) -> list[str]:
    """Quoted titles and capitalised names, leaving out sentence-initial and question words."""
    names = [m.strip() for m in _QUOTED.findall(question)]
    body = _QUOTED.sub(" ", question)
    for match in _CAPITALISED.finditer(body):
        words = match.group(0).split()
        if _AFTER_START.search(body[: match.start()]):
            words = words[1:]  # the first word is capitalised because a sentence starts there
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        while words and words[-1].lower() in {"of", "and", "the", "for", "&"}:
            words = words[:-1]
        if words:
            names.append(" ".join(words))
    return list(dict.fromkeys(names))


def missing_names(question: str, passages: Sequence[Passage]) -> list[str]:
    haystack = _words_text(
        " ".join(
            " ".join([p.chunk.text, p.document.title, " ".join(p.chunk.section)]) for p in passages
        )
    )
    wanted = list({n.lower(): n for n in [*groups_in(question), *names_in(question)]}.values())
    missing = [name for name in wanted if not _mentions_any(haystack, name)]
    return [re.sub(r"['’]s$", "", name) for name in missing]


def _words(text: str) -> list[str]:
    """Lower-case words; a lone "s" (from "it's", "Scotland's") is dropped on both sides."""
    return [w for w in re.findall(r"[a-z0-9]+", quote_key(text).lower()) if w != "s"]


def _words_text(text: str) -> str:
    return " " + " ".join(_words(text)) + " "


def _mentions_any(haystack: str, name: str) -> bool:
    """``name`` is mentioned as written, or with its acronyms spelled out or abbreviated."""
    return any(_mentions(haystack, form) for form in spellings(name))


def spellings(name: str) -> list[str]:
    """``name`` plus the forms with each known acronym in it expanded, or each expansion
    abbreviated ("the DSL" -> "the designated safeguarding lead")."""
    forms = [name]
    lower = _words_text(name)
    for acronym, expansion in ACRONYMS.items():
        short, long = f" {acronym.lower()} ", _words_text(expansion)
        if short in lower:
            forms.append(lower.replace(short, long).strip())
        if long in lower:
            forms.append(lower.replace(long, short).strip())
    return forms


def _mentions(haystack: str, name: str) -> bool:
    """The words of ``name`` appear as one phrase (each a word start) in the haystack, or, when
    every word has at least three letters, each somewhere ("Black Caribbean" is covered by
    "Black, African, Caribbean"; "Baby P" needs the phrase)."""
    words = _words(name)
    if not words or " " + " ".join(words) in haystack:
        return True
    return len(words) > 1 and all(len(w) >= 3 and f" {w}" in haystack for w in words)
