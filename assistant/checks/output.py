"""Output checks on answer text: links and images, and generalisations about ethnic or faith groups.

Links: an answer may point only at its own sources. Markdown links and images, autolinks, bare
URLs and HTML tags are removed unless their URL is one of the citations' URLs (with or without the
``#page=N`` fragment); a removed link keeps its visible words, a removed image disappears.

Generalisations: a sentence whose subject is an ethnic or faith group as a whole ("Black families
are…", "Muslims tend to…", "Asian girls always…") is removed unless the sentence, or the quoted part
carrying the generalisation, appears verbatim in a cited passage. Sentences that describe what was
done to a group or how it is seen ("Black children are over-represented in reviews", "the belief
that Black girls are older") and sentences about a particular cohort ("the Asian families in these
reviews…") are not generalisations and stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from assistant.text.normalisation import plain_punctuation
from assistant.text.spans import sentence_spans, without_markers

_I = re.IGNORECASE
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>", _I)
_HTML_IMAGE = re.compile(r"<img\b[^>]*>", _I)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_BARE_URL = re.compile(
    r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'()\[\]]+|"
    r"\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|co|uk|info|biz|xyz|example|ru|cn|ly|me|app)"
    r"(?:/[^\s<>\"'()\[\]]*)",
    _I,
)

GROUP = (
    r"(?:black(?: african| caribbean| british)?|white(?: british)?|asian(?: british)?|"
    r"south asian|east asian|mixed[- ](?:heritage|race|ethnicity)|dual heritage|brown|caribbean|"
    r"african(?:[- ]caribbean)?|west african|east african|pakistani|bangladeshi|indian|chinese|"
    r"arab|somali|nigerian|ghanaian|eritrean|afghan|kurdish|polish|romanian|eastern european|"
    r"gypsy|roma|traveller|irish traveller|jewish|muslim|islamic|hindu|sikh|christian|catholic|"
    r"buddhist|orthodox jewish|minority ethnic|ethnic minority|bame|immigrant|migrant)"
)
_PEOPLE = (
    r"(?:families|people|parents|mothers|fathers|mums|dads|men|women|boys|girls|children|kids|"
    r"youths|young people|teenagers|pupils|students|communities|households|carers|cultures?)"
)
_PLURAL_GROUP = (
    r"(?:blacks|whites|asians|muslims|hindus|sikhs|jews|christians|catholics|africans|"
    r"caribbeans|pakistanis|bangladeshis|indians|somalis|nigerians|travellers|gypsies|roma|"
    r"immigrants|migrants)"
)
SUBJECT_PATTERN = (
    rf"(?P<pre>\b(?:all|most|many|every)\s+)?\b(?:{GROUP}(?:\s*(?:,|and|or|/)\s*{GROUP})*\s+"
    rf"{_PEOPLE}|{_PLURAL_GROUP})\b"
)
SUBJECT = rf"(?:{GROUP}(?:\s*(?:,|and|or|/)\s*{GROUP})*\s+{_PEOPLE}|{_PLURAL_GROUP})"
_SUBJECT = re.compile(SUBJECT_PATTERN, _I)
_PREDICATE = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?(?:are|is|were|tend to|tends to|always|never|typically|usually|"
    r"generally|often|naturally|inherently|do not|don't|can't|cannot|will|won't|would|lack|value|"
    r"believe|prefer|hide|refuse|distrust|don't trust|have a tendency|are known|are prone)\b",
    _I,
)
_SPECIFIC_BEFORE = re.compile(
    r"\b(the|these|those|some|several|a few|both|two|three|four|five|\d+|of|among|for|to|with|by|"
    r"that|whether|if)\s+$",
    _I,
)
_REPORTING_BEFORE = re.compile(
    r"\b(assum\w*|stereotyp\w*|bias\w*|belief|believed|myths?|perception|perceived|view|idea|"
    r"notion|tropes?|narratives?|prejudice\w*|claims?|misconceptions?|thought|labell\w*)\b",
    _I,
)
TREATMENT_AFTER = re.compile(
    r"\b(represent\w*|over-represent\w*|under-represent\w*|overrepresent\w*|underrepresent\w*|"
    r"disproportionate\w*|perceived|seen|viewed|treated|described|labelled|stereotyped|portrayed|"
    r"assumed|regarded|judged|adultified|subject(?:ed)? to|experienc\w*|fac(?:e|ed|ing)|excluded|"
    r"searched|arrested|stopped|referred|reported|recorded|overlooked|missed|let down|failed|"
    r"discriminat\w*|disadvantag\w*|targeted|affected|harmed|abused|exploited|victims?|"
    r"at (?:greater|higher|increased) risk|more likely to be|less likely to be|likely to be|"
    r"among|included|counted|per ?cent|%|\d)",
    _I,
)


def _allowed(url: str, allowed_urls: set[str]) -> bool:
    return url in allowed_urls or url.split("#", 1)[0] in allowed_urls


def allowed_url_set(urls: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for url in urls:
        if url:
            out.update({url, url.split("#", 1)[0]})
    return out


def remove_links(text: str, allowed_urls: set[str]) -> tuple[str, int]:
    """``(text without disallowed links/images/HTML, number removed)``."""
    removed = 0

    def unless_allowed(
        group: int, replacement: Callable[[re.Match[str]], str]
    ) -> Callable[[re.Match[str]], str]:
        """A re.sub callback keeping allowed urls and replacing (and counting) the rest."""

        def replace(m: re.Match[str]) -> str:
            nonlocal removed
            if _allowed(m.group(group), allowed_urls):
                return m.group(0)
            removed += 1
            return replacement(m)

        return replace

    def link_label(m: re.Match[str]) -> str:
        label = m.group(1)
        return f"[{label}]" if label.isdigit() else label

    def nothing(m: re.Match[str]) -> str:
        return ""

    text = _MD_IMAGE.sub(unless_allowed(2, nothing), text)
    text = _MD_LINK.sub(unless_allowed(2, link_label), text)
    text, n = _REF_DEFINITION.subn("", text)
    removed += n
    text = _AUTOLINK.sub(unless_allowed(1, nothing), text)
    text, n = _HTML_IMAGE.subn("", text)
    removed += n
    text, n = _HTML_TAG.subn("", text)
    removed += n
    text = _BARE_URL.sub(unless_allowed(0, nothing), text)
    return tidy(text), removed


def remove_active_content(text: str) -> str:
    """A question without Markdown images, HTML images and HTML tags (their words kept)."""
    stripped = _HTML_TAG.sub("", _HTML_IMAGE.sub("", _MD_IMAGE.sub("", text)))
    return tidy(stripped) if stripped != text else text


def tidy(text: str) -> str:
    """Spacing left behind by removals: doubled spaces, space before punctuation, empty lines."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\n[ \t]*[-*][ \t]*(?=\n|$)", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


QUOTED = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]|‘([^‘’]{3,}?)’")


def generalises(sentence: str) -> bool:
    """Whether the sentence makes a statement about an ethnic or faith group as a whole."""
    plain = without_markers(sentence)
    for m in _SUBJECT.finditer(plain):
        before, after = plain[: m.start()], plain[m.end() :]
        if not _PREDICATE.match(after):
            continue
        if not m.group("pre") and _SPECIFIC_BEFORE.search(before):
            continue
        if _REPORTING_BEFORE.search(before):
            continue
        if TREATMENT_AFTER.search(" ".join(after.split()[:6])):
            continue
        return True
    return False


def _in_sources(fragment: str, sources: list[str]) -> bool:
    needle = plain_punctuation(fragment).strip(" .,;:")
    return bool(needle) and any(needle.lower() in s.lower() for s in sources)


def unattributed_generalisation(sentence: str, cited_texts: Iterable[str]) -> bool:
    """A generalising sentence that is not a verbatim quote from a cited passage."""
    if not generalises(sentence):
        return False
    sources = [plain_punctuation(t) for t in cited_texts]
    plain = without_markers(sentence)
    if _in_sources(plain.rstrip("."), sources):
        return False
    unquoted = plain
    for m in QUOTED.finditer(plain):
        quoted = m.group(1) or m.group(2)
        if _in_sources(quoted, sources):
            unquoted = unquoted.replace(m.group(0), '"…"')
    return generalises(unquoted)


def remove_generalisations(text: str, cited_texts: Iterable[str]) -> tuple[str, int]:
    """``(text without unattributed generalising sentences, number removed)``."""
    sources = list(cited_texts)
    spans = [s for s in sentence_spans(text) if unattributed_generalisation(s.text, sources)]
    for span in reversed(spans):
        text = text[: span.start] + text[span.end :]
    return tidy(text), len(spans)
