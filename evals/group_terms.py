"""How much the library says about each group an equity question names, and whether an answer
admits that the library does not mention a group.

``GROUP_TERMS`` maps a dataset ``group`` to the forms that count as a mention of it (regexes,
case-insensitive, matched at word boundaries). A group not in the table is matched by its own
name. Coverage counts the build's chunks (text and section headings) holding at least one form,
and the distinct documents those chunks come from. It counts *mentions*, not meaning: "Black" in
"black and white photographs" would count; "white paper" is left out because policy documents
use it often.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.types import Answer, Chunk, Status

_SEP = r"[\s\-‐‑–]+"  # space, hyphen or dash between the words of a form

GROUP_TERMS: Mapping[str, tuple[str, ...]] = {
    "black": (r"black",),
    "asian": (r"asian", r"asians"),
    "mixed heritage": (
        rf"mixed{_SEP}heritage",
        rf"dual{_SEP}heritage",
        rf"mixed{_SEP}race",
        rf"mixed{_SEP}ethnicity",
    ),
    "white": (rf"white(?!{_SEP}papers?\b)",),
    "gypsy, roma and traveller": (
        r"gypsy",
        r"gypsies",
        r"roma",
        r"romany",
        r"travellers?",
        r"grt",
    ),
    "muslim": (r"muslims?", r"islam", r"islamic"),
    "sikh": (r"sikhs?", r"sikhism"),
    "hindu": (r"hindus?", r"hinduism"),
    "jewish": (r"jewish", r"jews?", r"judaism"),
    "christian": (r"christians?", r"christianity"),
}

# An answer (text or notice) admitting a gap: a negated "mention/cover/say/hold/include" near
# a mention of the group in the same sentence, e.g. "The passages found do not mention Sikh".
_GAP = re.compile(
    r"(?:\b(?:not|no|nothing|never|cannot|without)\b|n['’]t\b)"
    r"[^.;:!?]{0,40}?\b(?:mention|cover|say|said|hold|held|includ|discuss|refer|address|"
    r"about)\w*",
    re.IGNORECASE,
)
GAP_STATUSES: frozenset[Status] = frozenset({"partial", "no_evidence"})


@dataclass(frozen=True)
class GroupCoverage:
    """The library's mentions of one group: matching chunks and documents, and the forms used."""

    group: str
    chunks: int
    documents: int
    forms: tuple[str, ...]  # the regexes searched for

    @property
    def present(self) -> bool:
        return self.chunks > 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def forms_of(group: str) -> tuple[str, ...]:
    """The regex forms counting as a mention of ``group`` (its own name when not in the table)."""
    key = " ".join(group.lower().split())
    if key in GROUP_TERMS:
        return GROUP_TERMS[key]
    return (_SEP.join(re.escape(w) for w in key.split()),) if key else ()


def pattern(group: str) -> re.Pattern[str] | None:
    forms = forms_of(group)
    if not forms:
        return None
    return re.compile(r"\b(?:" + "|".join(forms) + r")\b", re.IGNORECASE)


def _chunk_text(chunk: Chunk) -> str:
    return " ".join([chunk.text, *chunk.section])


def measure(group: str, chunks: Iterable[Chunk]) -> GroupCoverage:
    rx = pattern(group)
    hits = [c for c in chunks if rx is not None and rx.search(_chunk_text(c))]
    return GroupCoverage(
        group=group,
        chunks=len(hits),
        documents=len({c.doc_id for c in hits}),
        forms=forms_of(group),
    )


def measure_all(groups: Iterable[str], chunks: Sequence[Chunk]) -> dict[str, GroupCoverage]:
    """Coverage of each distinct group name, in first-seen order."""
    return {g: measure(g, chunks) for g in dict.fromkeys(groups)}


def admits_gap(answer: Answer, group: str) -> bool:
    """True when the answer refuses or qualifies itself because the library lacks the group:
    ``no_evidence`` (nothing held), or ``partial`` with a notice or sentence that says the
    passages do not mention (cover, say anything about...) the group."""
    if answer.status == "no_evidence":
        return True
    return answer.status == "partial" and _says(answer, group, _GAP)


def _says(answer: Answer, group: str, cue: re.Pattern[str]) -> bool:
    """Some sentence of the answer's notices or text names ``group`` and matches ``cue``."""
    rx = pattern(group)
    if rx is None:
        return False
    for text in (*answer.notices, answer.text):
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if cue.search(sentence) and rx.search(sentence):
                return True
    return False


# An answer stating thin coverage: a quantity or limit word near a word for the library's material,
# e.g. "The library mentions white children in only one document".
_THIN = re.compile(
    r"\b(?:only|little|few|limited|thin|sparse|single|one|two|three|\d+)\b"
    r"[^.;:!?]{0,60}?\b(?:mention|passage|document|source|chunk|review|briefing|reference|"
    r"extract)\w*"
    r"|\b(?:mention|passage|document|source|review|briefing|reference)\w*[^.;:!?]{0,40}?\b"
    r"(?:only|little|few|limited|thin|sparse|rarely|briefly)\b",
    re.IGNORECASE,
)


def states_coverage(answer: Answer, group: str) -> bool:
    """True when the answer says how little the library holds on ``group``: a sentence (text or
    notice) naming the group with a quantity or limit ("only one document mentions white
    children"), a gap statement (``admits_gap``), or the group among ``Answer.missing``."""
    rx = pattern(group)
    named_missing = rx is not None and any(rx.search(m) for m in answer.missing)
    return admits_gap(answer, group) or named_missing or _says(answer, group, _THIN)
