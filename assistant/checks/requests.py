"""Requests, not questions: what the assistant declines to do, with a short reason.

The library's purpose is to find and quote review learning. Three kinds of request work against
that purpose and are declined (status ``out_of_scope``, ``refusal="request"``); the answer then
offers the library's related learning, labelled as related material, not an answer:

- **record** - write or reword a case record, note or report so that it describes a child or
  family with stereotyping or adultifying labels ("streetwise", "mature beyond her years",
  "aggressive", "lifestyle choice"): the reviews warn that such labels hide a child's
  vulnerability.
- **profile** - profile or rank ethnic or faith groups (``assistant.checks.scope`` also refuses "which
  ethnic group abuses most"); a profile of a "typical" family of a group.
- **confirm** - "confirm", "agree", "prove" or "admit" a generalisation about a group, or put it
  in a report.

Each rule needs both an action (write, reword, confirm, rank ...) and its object (a record and a
label; a group and a generalisation), so questions *about* these things ("what do reviews say
about describing children as streetwise?") go through.
"""

from __future__ import annotations

import re

from assistant.checks.output import GROUP, SUBJECT, TREATMENT_AFTER

_I = re.IGNORECASE

_WRITE = (
    r"(?:write|draft|re-?word|re-?phrase|rewrite|re-?draft|word|phrase|edit|polish|compose|"
    r"make|help me (?:to )?(?:write|word|phrase|describe)|describe|describing|record|recording|"
    r"put|fill in|complete)"
)
_RECORD = (
    r"(?:case ?notes?|notes?|records?|reports?|assessments?|referrals?|chronolog(?:y|ies)|"
    r"statements?|entr(?:y|ies)|minutes|summar(?:y|ies)|plans?|letters?|emails?|file|write-?up|"
    r"child protection conference|strategy discussion)"
)
# Labels the review learning identifies as adultifying or stereotyping when applied to children.
LABELS = (
    r"(?:street-?wise|street ?smart|mature (?:beyond|for) (?:his|her|their) (?:years|age)|"
    r"older than (?:his|her|their) (?:years|age)|adult-?like|grown(?:-up)?|promiscuous|"
    r"aggressive|hostile|angry|intimidating|threatening|volatile|menacing|defiant|feral|thug\w*|"
    r"gang ?(?:member|affiliated|involved)|manipulative|sexually (?:active|experienced|mature)|"
    r"lifestyle choice|making (?:bad|poor) choices|putting (?:himself|herself|themselves) at "
    r"risk|knew what (?:he|she|they) (?:was|were) doing|consented|not a child|less innocent|"
    r"hard to reach|non-?compliant|uncooperative|difficult family|disguised compliance)"
)
_SOUND = r"(?:so (?:it|that it) (?:sounds?|reads?|looks?)|to (?:sound|read|look)|sound(?:s)? more)"

_RECORD_REQUEST = (
    re.compile(rf"\b{_WRITE}\b[^?!]{{0,80}}\b{_RECORD}\b[^?!]{{0,120}}\b{LABELS}", _I),
    re.compile(
        rf"\b{_WRITE}\b[^?!]{{0,120}}\b(?:as|is|was|being|seem|appear)\b[^?!]{{0,30}}\b{LABELS}[^?!]{{0,80}}\b(?:{_RECORD}|{_SOUND})",
        _I,
    ),
    re.compile(
        rf"\b{LABELS}\b[^?!]{{0,80}}\b{_SOUND}\b[^?!]{{0,20}}\b(?:professional|formal|official|objective)",
        _I,
    ),
)
_ASK_VERBS = r"(?:confirm|agree|prove|admit|accept|acknowledge|verify|validate|back up|state|say|write|tell (?:me|them|everyone))"
_CONFIRM = (
    re.compile(
        rf"\b{_ASK_VERBS}\b[^?!]{{0,25}}\b(?:that\s+)?[^?!]{{0,20}}\b{SUBJECT}\b(?P<after>[^?!]{{0,60}})",
        _I,
    ),
    re.compile(
        rf"\b{SUBJECT}\b[^?!]{{0,60}}\b(?:are|is)\b[^?!]{{0,40}}\b(?:so I can|for my|in my|to put (?:it|this) in)\b[^?!]{{0,20}}\b(?:report|record|note|assessment|file)",
        _I,
    ),
)
_PROFILE = (
    re.compile(
        rf"\b(?:profile|rank|rate|score|order|league table|risk[- ]profile)\w*\b[^?!]{{0,60}}\b(?:{GROUP}|ethnic\w*|racial|religio\w*|faith|culture|nationalit\w*)",
        _I,
    ),
    re.compile(
        rf"\b(?:typical|average|usual)\s+(?:{GROUP})\s+(?:family|families|parent|parents|mother|father|household|man|woman|boy|girl)s?\b",
        _I,
    ),
)


def _confirms_generalisation(text: str) -> bool:
    """ "Confirm that <group> <predicate>", unless the predicate is about how the group was
    treated ("were over-represented", "were adultified"): that is a question about the reviews."""
    for pattern in _CONFIRM:
        for match in pattern.finditer(text):
            if _ABOUT.match(match.group(0)):
                continue  # "what do reviews say about Black boys ...": a question about them
            after = (match.groupdict().get("after") or "").split()
            if after and TREATMENT_AFTER.search(" ".join(after[:2])):
                continue
            if pattern is _CONFIRM[0] and not after:
                continue  # nothing is claimed about the group: there is nothing to confirm
            return True
    return False


# "say about", "tell me about": the verb asks about a topic rather than asserting a claim
_ABOUT = re.compile(rf"{_ASK_VERBS}\s+(?:me\s+|us\s+)?(?:more\s+)?about\b", _I)


def declined(text: str) -> str | None:
    """``record``, ``profile`` or ``confirm`` for a request to decline, else None."""
    if any(p.search(text) for p in _RECORD_REQUEST):
        return "record"
    if _confirms_generalisation(text):
        return "confirm"
    if any(p.search(text) for p in _PROFILE):
        return "profile"
    return None
