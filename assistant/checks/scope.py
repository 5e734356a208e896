"""What a question is about: off-topic, legal advice, instruction tampering, a live case, danger.

Patterns, not a classifier, so each refusal can be explained and tested. The false-positive policy:
a question is refused only on an unambiguous signal. Weak off-topic words ("football", "weather",
"film") refuse only when the question holds no safeguarding vocabulary at all, so "what did
reviews say about football coaches and grooming?" goes through. Questions about racism, abuse,
exploitation, strip search, FGM, deaths of children and the like are never refused for their
subject: the table of such questions in tests/test_guardrails.py must all proceed.
"""

from __future__ import annotations

import re

from assistant.checks.output import SUBJECT, TREATMENT_AFTER

_I = re.IGNORECASE

DOMAIN = re.compile(
    r"\b(child\w*|safeguard\w*|review\w*|racis\w*|racial\w*|race|ethnic\w*|abuse\w*|neglect\w*|"
    r"exploit\w*|groom\w*|harm\w*|protect\w*|social work\w*|social care|school\w*|teacher\w*|"
    r"police|polic\w+|panel|lcspr|scr|adultif\w*|famil\w*|parent\w*|carer\w*|pupil\w*|"
    r"practitioner\w*|professional\w*|youth|young (?:people|person)|girl\w*|boy\w*|bab(?:y|ies)|"
    r"fgm|honour|trafficking|county lines|strip[- ]search\w*|inquir\w*|recommendation\w*|"
    r"learning|case review\w*|working together|nspcc|ofsted|health visit\w*|midwi\w*|gp|nhs|"
    r"domestic|violence|mental health|bias|discriminat\w*|stereotyp\w*|culture|faith|relig\w*|"
    r"interpreter\w*|language|community|communities|black|asian|mixed heritage|minorit\w*|"
    r"mother\w*|father\w*|mums?|dads?|sons?|daughters?|siblings?|victims?|offend\w*|"
    r"perpetrator\w*|investigat\w*|court|care|looked after|foster\w*|adopt\w*)\b",
    _I,
)

# Always out of scope, whatever else the question mentions.
_STRONG_OFF_TOPIC = (
    re.compile(
        r"\b(write|compose|make up|generate|create|give me)\b[^.?!]{0,40}\b(poem|song|lyrics|haiku|"
        r"limerick|rap|sonnet|short story|fairy tale|joke|riddle)s?\b",
        _I,
    ),
    re.compile(r"\btell me (a|another|some) jokes?\b", _I),
    re.compile(
        r"\b(python|javascript|typescript|java|c\+\+|c#|rust|golang|php|sql|regex|html|css|bash)\b"
        r"[^.?!]{0,40}\b(code|script|function|program|query|snippet|class|loop|bug|error)\b",
        _I,
    ),
    re.compile(
        r"\b(write|debug|fix|refactor)\b[^.?!]{0,30}\b(code|script|function|program|"
        r"regex|sql query|spreadsheet formula|macro)\b",
        _I,
    ),
)

# Off topic only when no safeguarding vocabulary appears in the question.
_WEAK_OFF_TOPIC = re.compile(
    r"\b(recipes?|bake|baking|cook(?:ing)?|ingredients|dinner|lasagne|pasta|football|premier league|"
    r"world cup|fixtures|cricket|rugby|tennis|golf|match score|who won|weather|forecast|rain|"
    r"sunny|stock price|share price|stocks?|crypto\w*|bitcoin|exchange rate|invest(?:ing|ments?|ors?)?|"
    r"mortgage|horoscope|films?|movies?|netflix|tv shows?|song|music|celebrity|holidays?|flights?|"
    r"hotels?|capital of|translate|crossword|chess|video games?|programming|coding|poem|poetry)\b",
    _I,
)

_LEGAL_ADVICE = (
    re.compile(
        r"\b(could|can|should|would|will|might|may)\b[^.?!]{0,60}\b(sue|suing|take legal action|"
        r"bring a (?:legal )?claim|make a claim|claim compensation|get compensation|"
        r"press charges|take (?:them|him|her|the \w+) to (?:court|a tribunal))\b",
        _I,
    ),
    re.compile(r"\b(would|could|will|might) (?:they|she|he|we|i|the family|the \w+) win\b", _I),
    re.compile(
        r"\b(do (?:i|we|they) have a (?:legal )?case|chances? of (?:winning|success) in court|"
        r"legal advice (?:on|about|for) (?:my|our|this|a) |is (?:the school|the council|the police|"
        r"the local authority|my employer) (?:legally )?liable)\b",
        _I,
    ),
    re.compile(r"\b(?:sue|suing|lawsuit|legal action|compensation claim)\b[^.?!]{0,40}\bwin\b", _I),
)

_INSTRUCTION_TAMPERING = (
    re.compile(
        r"\b(ignore|disregard|forget|override|bypass)\b[^.?!]{0,20}\b(previous|prior|above|earlier|"
        r"your|all|system|these|any)\b[^.?!]{0,20}\b(instructions?|rules|prompts?|guidelines|"
        r"guardrails|restrictions)\b",
        _I,
    ),
    re.compile(
        r"\b(print|reveal|show|repeat|display|output|tell me|what is|what's|give me)\b[^.?!]{0,20}"
        r"\b(system prompt|your (?:instructions|prompt|rules|guidelines)|hidden instructions)\b",
        _I,
    ),
)
# Role-play and "rules off" framings: refused even alongside a real question.
_JAILBREAK = re.compile(
    r"\b(jailbreak|dan mode|you are (?:now )?dan|as dan|developer mode|do anything now|"
    r"(?:an? )?(?:ai|assistant|model|chatbot) (?:with|without) (?:no )?(?:rules|restrictions|"
    r"filters|limits)|(?:safety )?rules are (?:off|disabled))\b",
    _I,
)

_GROUP_WORDS = (
    r"(?:ethnic(?:ity|ities)?|ethnic groups?|racial groups?|race|races|religions?|religious groups?|"
    r"faiths?|faith groups?|cultures?|nationalit(?:y|ies)|communit(?:y|ies))"
)
_HARM = (
    r"(?:abuse\w*|harm\w*|hurt\w*|neglect\w*|exploit\w*|groom\w*|kill\w*|murder\w*|"
    r"offend\w*|rape\w*|attack\w*|mistreat\w*|violen\w*|dangerous|crimes?|criminal)"
)
_RANKING_GROUPS = (
    re.compile(
        rf"\b(which|what)\s+{_GROUP_WORDS}\b[^.?!]{{0,50}}\b(most|more|least|less|worst|highest)\b"
        rf"[^.?!]{{0,40}}\b{_HARM}",
        _I,
    ),
    re.compile(
        rf"\b(are|is|do|does)\s+(?:all\s+|most\s+)?{SUBJECT}\s+(?:more|less)\s+(?:likely|prone|"
        rf"inclined)\s+to\s+{_HARM}",
        _I,
    ),
)
_GENERALISATION_REQUESTS = (
    re.compile(rf"\bwhy\b[^.?!]{{0,25}}\b{SUBJECT}\s+(?P<after>(?:are|is|tend|do|always)\b.*)", _I),
    re.compile(rf"\bwhat\s+{SUBJECT}\s+(?:are|is)\s+(?:really\s+)?like\b", _I),
    re.compile(
        rf"\b(?:typical|common|usual|general)\b[^.?!]{{0,30}}\b(?:traits|characteristics|"
        rf"personalit\w+|behaviou?rs?|temperament)\b[^.?!]{{0,20}}\bof\s+{SUBJECT}",
        _I,
    ),
)

_LIVE_CASE = (
    re.compile(
        r"\b(i['’]?m|i am|we['’]?re|we are)\s+(currently\s+|now\s+)?(working with|supporting|"
        r"visiting|allocated to|worried about|concerned about)\s+(a|an|one|this|the|my)\b",
        _I,
    ),
    re.compile(
        r"\b(child|children|young person|family|families|girl|boy|teenager|pupil|student|baby|"
        r"toddler|mother|father|parent|mum|dad|case|someone|\d{1,2}[- ]year[- ]old)\s+(that\s+|who\s+|whom\s+)?(i|we)['’]?(?:m|re)?"
        r"\s+(am\s+|are\s+)?(working with|work with|visit|support|supporting|see|teach|look after|"
        r"looking after|have on my caseload)\b",
        _I,
    ),
    re.compile(r"\bmy\s+(client|service user|caseload|case|pupil|student|patient|mentee)s?\b", _I),
    re.compile(r"\bon\s+(my|our)\s+(caseload|books|case list)\b", _I),
    re.compile(r"\b(in my class|at my school|in my school|in my setting|in my care)\b", _I),
)

_DANGER = re.compile(
    r"\b(in (?:immediate |real |serious )?danger|immediate(?:ly)? (?:risk|danger|harm)|"
    r"at risk (?:right )?now|being (?:hurt|harmed|abused|beaten|attacked|assaulted)|"
    r"tonight|imminent\w*|about to be (?:hurt|harmed|taken|sent)|going missing now|"
    r"has gone missing|is missing|threaten(?:ed|ing) to kill|suicidal)\b",
    _I,
)
_STRONG_DANGER = re.compile(
    r"\b(in (?:immediate )?danger (?:now|right now|tonight)|(?:in|faces?|facing) immediate danger|"
    r"being (?:hurt|abused|beaten) (?:now|right now|at the moment))\b",
    _I,
)


# A task rather than a question: an instruction to make, plan or fix something. Without any
# safeguarding vocabulary it is outside the library's purpose (cover letters, menus, code).
_TASK = re.compile(
    r"^\s*(?:(?:please|can you|could you|would you|will you|i need you to|i want you to|"
    r"help me(?: to)?|i need help (?:to|with)|i'd like you to)\s+)*(?:write|draft|compose|create|"
    r"generate|make|plan|design|build|book|organise|organize|fix|improve|proofread|translate|"
    r"calculate|convert|summarise my|rewrite my|edit my|help me with|help with|recommend|suggest)\b",
    _I,
)


def is_off_purpose_task(text: str) -> bool:
    return bool(_TASK.search(text)) and not has_domain_vocabulary(text)


def has_domain_vocabulary(text: str) -> bool:
    return bool(DOMAIN.search(text))


_VICTIM = re.compile(
    r"\b(to be|at risk|risks? of|of being|victims?|affected|targeted|represented|over-represented)\b",
    _I,
)
_ABOUT_SOURCES = re.compile(
    r"\b(reviews?|reports?|panel|inquiry|research|evidence|library|findings?|learning)\b"
    r"[^.?!]{0,60}\bwhy\b",
    _I,
)


def _ranks_groups(text: str) -> bool:
    """Asks which ethnic or faith group harms children most (not which is most at risk)."""
    return any(not _VICTIM.search(m.group(0)) for p in _RANKING_GROUPS for m in p.finditer(text))


def _asks_for_generalisation(text: str) -> bool:
    """ "Why are Black boys naturally…", "what X families are like", "typical traits of X"; but
    not "why are Black children over-represented…" (a question about treatment, not traits)."""
    for pattern in _GENERALISATION_REQUESTS:
        for match in pattern.finditer(text):
            after = match.groupdict().get("after")
            if after and TREATMENT_AFTER.search(" ".join(after.split()[:6])):
                continue
            if after and _ABOUT_SOURCES.search(text[: match.end()]):
                continue  # "what did the review say about why …": a question about the sources
            return True
    return False


def refusal(text: str) -> str | None:
    """The canned-message key for a question the assistant must not answer, else None."""
    if _JAILBREAK.search(text):
        return "instructions"
    if _ranks_groups(text):
        return "ranking_groups"
    if _asks_for_generalisation(text):
        return "generalisation"
    if any(p.search(text) for p in _INSTRUCTION_TAMPERING) and not has_domain_vocabulary(text):
        return "instructions"  # with a real question beside it, the question is answered instead
    if any(p.search(text) for p in _LEGAL_ADVICE):
        return "legal_advice"
    if any(p.search(text) for p in _STRONG_OFF_TOPIC):
        return "out_of_scope"
    if is_off_purpose_task(text):
        return "out_of_scope"
    if _WEAK_OFF_TOPIC.search(text) and not has_domain_vocabulary(text):
        return "out_of_scope"
    return None


def is_live_case(text: str) -> bool:
    """A question about a child or family the asker is working with now."""
    return any(p.search(text) for p in _LIVE_CASE)


def is_danger(text: str) -> bool:
    """Words saying a child may be in danger now. Weak danger words count only in a live case."""
    return bool(_STRONG_DANGER.search(text)) or (is_live_case(text) and bool(_DANGER.search(text)))
