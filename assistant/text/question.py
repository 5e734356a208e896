"""What a question asks for: its salient terms, its subjects and the kind of answer it wants.

- **terms**: the question's keywords (``assistant.keyword.tokenize``: lower case, stop words
  dropped, lightly stemmed), without the words that only frame a question ("what did the reviews
  say about ...").
- **subjects**: the specific things the question is about, which the library must hold for an
  answer: a name or title (a capitalised phrase not opening the question, or a quoted phrase), an
  acronym, or a word that is rare in general English (its Zipf frequency in ``wordfreq`` below
  ``SPECIFIC_ZIPF``: "vaping", "Windrush", "radicalisation"). Common words ("search", "knife")
  are never subjects on their own; they weigh in the evidence score instead.
- **kind**: ``date`` (when, what period, what year), ``number`` (how many, what percentage),
  ``agent`` (who, which body), ``attribution`` (what did X say), ``list`` ("what are the seven
  ...", "list the ..."), else ``any``. ``count`` is the number of items a list question names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.text.acronyms import singular
from assistant.text.terms import fold, stem_pairs
from assistant.text.terms import stems as tokenize
from assistant.text.units import NUMBER_WORDS as COUNT_WORDS

SHORT_WORD = 3  # a lower-case word this short is no topic of its own ("wat")
SPECIFIC_ZIPF = 4.0  # below this general-English frequency a word names a specific topic

FRAME_WORDS = frozenset(
    tokenize(
        """what which who whom whose when where why how tell say says said describe explain
        summarise summarize list give show name find found mention mentions mentioned according
        review reviews report reports document documents library source sources publication
        please anything something everything does did do key main much many"""
    )
)
ACRONYMS = {
    "DSL": "designated safeguarding lead",
    "LADO": "local authority designated officer",
    "MASH": "multi-agency safeguarding hub",
    "LSCP": "local safeguarding children partnership",
    "LSCB": "local safeguarding children board",
    "LCSPR": "local child safeguarding practice review",
    "CSPRP": "child safeguarding practice review panel",
    "KCSIE": "keeping children safe in education",
    "CSE": "child sexual exploitation",
    "CCE": "child criminal exploitation",
    "CSA": "child sexual abuse",
    "FGM": "female genital mutilation",
    "NRM": "national referral mechanism",
    "SCR": "serious case review",
    "SEND": "special educational needs",
    "DfE": "department for education",
    "NSPCC": "national society for the prevention of cruelty to children",
}
QUESTION_OPENERS = frozenset(
    """what which who whom whose when where why how is are was were do does did can could should
    would will has have had please tell list give show compare explain describe summarise
    summarize name find i in on at for to of the a an according""".split()  # noqa: SIM905
)
CONNECTORS = frozenset(["of", "the", "for", "in", "on"])
NUMBER_WORDS = [w for w, n in COUNT_WORDS.items() if n > 0]

_QUOTED = re.compile(
    r"(?:^|[\s(])['\"‘“]((?:[^'\"‘’“”]|(?<=\w)['’](?=\w)){3,80}?)['\"’”](?=[\s,.?!:;)]|$)"
)
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of|the|for|in|on)?\s*[A-Z][\w’'-]*)*")
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]?[A-Z]{1,5}s?\b")
_DATE_Q = re.compile(
    r"\b(?:what (?:year|date|month|period|time ?frame|timeframe|years)|which (?:year|period|"
    r"years|dates?)|over what (?:period|time)|(?:period|dates?|years?) (?:did|does|do|was|were|"
    r"of|covered)|how long ago|since when|between which)\b",
    re.IGNORECASE,
)
# "when" asks for a date only where it heads a question (or a part of one, or follows "tell me"):
# inside a clause it is a conjunction ("Was anyone present when ...", "Who can I ask when unsure").
_WHEN_Q = re.compile(
    r"^\s*(?:(?:and|so|but|then|also|or)\s+)?(?:(?:please\s+)?(?:can|could) you (?:tell|say)(?: me)?\s+|"
    r"(?:tell|show) me\s+|do you know\s+)?(?:since |until |till |from )?when\b"
    # "when can I share ...?", "when should a referral be made?": in what circumstances, not a
    # date; "when did / was / will ..." asks for one
    r"(?!\s+(?:can|could|should|must|may|might|would|do|does|need|ought)\b)",
    re.IGNORECASE,
)
# A leading "When ..., " or "If ..., " before the question proper sets the scene: a conjunction
_WHEN_CLAUSE = re.compile(
    r"^\s*(?:when|whenever|if)\s[^,?]{3,100}?,\s*(?=(?:why|what|how|who|whom|where|which|should|"
    r"shall|can|could|do|does|did|is|are|must|would|will|may|might)\b)",
    re.IGNORECASE,
)
_NUMBER_Q = re.compile(
    r"\b(?:how many|how much|what (?:number|proportion|percentage|share|fraction)|how often|"
    r"what (?:was|is) the (?:number|total|count|rate)|"
    # a duration is a number of days, weeks or months ("within 15 working days")
    r"how long|how soon|how quickly|time ?scales?|time limits?|deadlines?|within what time|"
    # an age is a number of years
    r"what age|how old|which age|aged what)\b",
    re.IGNORECASE,
)
_AGENT_Q = re.compile(
    r"^\s*(?:who\b|whom\b|which (?:organisation|organization|body|bodies|agency|agencies|panel "
    r"member|person|people|member|minister|department|charity|inspectorate)s?\b|by whom\b)|"
    r"\b(?:and )?by whom\b|\bwho (?:led|wrote|published|commissioned|chaired|carried out)\b",
    re.IGNORECASE,
)
_ATTRIBUTION_Q = re.compile(
    r"\b[Ww]hat (?:did|does|do|has|have) (?P<who>[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,3}) "
    r"(?:say|said|write|wrote|argue|tell|call|describe)\b|\b[Aa]ccording to (?P<who2>[A-Z][\w’'.-]*"
    r"(?:\s+[A-Z][\w’'.-]*){0,3})",
)
_LIST_Q = re.compile(
    r"\b(?:what|which) (?:are|were) the (?P<n>\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\b|"
    r"\b(?:list|name|give|set out) (?:all )?the (?:\d{1,2} |(?:"
    + "|".join(NUMBER_WORDS)
    + r") )?\w+|\bwhat are the (?:\w+ ){0,3}(?:rules|principles|recommendations|steps|themes|"
    r"questions|actions|priorities|factors|findings|lessons|stages|types|areas|levels)\b",
    re.IGNORECASE,
)


# Ethnic and faith groups a question may name in lower case or at a sentence start ("white
# children"): subjects like any name, so the library's coverage of each is checked.
GROUP_NAMES = re.compile(
    r"\b(white|black|asian|mixed[ -](?:heritage|race|ethnicity)|dual heritage|muslim|sikh|hindu|"
    r"jewish|christian|gypsy|roma|irish travell?ers?|travell?ers?|"
    # national and ethnic origins the output checks know as groups (assistant.checks.output)
    r"caribbean|african|pakistani|bangladeshi|indian|chinese|arab|somali|nigerian|ghanaian|"
    r"eritrean|afghan|kurdish|polish|romanian|eastern european|catholic|buddhist)\b",
    re.IGNORECASE,
)


NAME_SHOWN = "a name in the question"


def listed(items: tuple[str, ...] | list[str]) -> str:
    """Subjects for a sentence: each in quotes (but the name placeholder), joined with "or"."""
    shown = [i if i == NAME_SHOWN else f"“{i}”" for i in items]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


@dataclass(frozen=True)
class Subject:
    """A specific thing a question is about. ``label`` is how it is shown in ``missing``."""

    label: str
    terms: tuple[str, ...]  # keyword tokens, all of which must occur
    phrase: str = ""  # a lower-case phrase that must occur as written, when more than one word
    expansion: str = ""  # an acronym's spelled-out form, which counts as the acronym
    name: bool = False  # a capitalised name (perhaps a person's): never repeated back
    group: bool = False  # an ethnic or faith group
    work: bool = False  # names a document or case ("the Casey review", "Baby P"): the topic

    @property
    def shown(self) -> str:
        """How the subject may be named in an answer: a name typed by the user is not repeated."""
        return NAME_SHOWN if self.name else self.label


NAME_MASK = "[a name]"


def without_names(text: str, found: Sequence[Subject]) -> str:
    """``text`` (a part of the question, to be quoted back) with every name the user typed in
    it replaced by a placeholder: a name may be a child's, and no reply repeats one."""
    for subject in sorted((s for s in found if s.name), key=lambda s: -len(s.label)):
        text = re.sub(r"(?<!\w)" + re.escape(subject.label) + r"(?:['’]s)?(?!\w)", NAME_MASK, text)
    return text


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]
    subjects: tuple[Subject, ...]
    kind: str  # date | number | agent | attribution | list | condition | any
    count: int | None = None
    attributed_to: str = ""
    parts: tuple[str, ...] = ()  # the separate questions a compound question asks, if several
    specificity: tuple[tuple[str, float], ...] = ()  # (stem, 0.25..1): how telling each term is

    def weight(self, stem: str) -> float:
        return dict(self.specificity).get(stem, 1.0)


@lru_cache(maxsize=4096)
def zipf(word: str) -> float:
    from assistant.text.word_frequency import zipf as general_zipf

    return general_zipf(word)


# "Why does that matter?", "why it matters": asks why something is important; "matter" is
# no topic of its own there
_WHY_IT_MATTERS = re.compile(
    r"\b(?:does|do|did|would|will|should|could|might)\s+(?:it|this|that|these|those|they|all "
    r"this)\s+matter\b|\bwhy\s+(?:it|this|that)\s+matters\b",
    re.IGNORECASE,
)


def analyse(text: str) -> Question:
    """Terms, subjects and answer kind of a (standalone) question."""
    frame = FRAME_WORDS | ({"matter"} if _WHY_IT_MATTERS.search(text) else set())
    terms = tuple(dict.fromkeys(t for t in tokenize(text) if t not in frame))
    kind, count, who = answer_kind(text)
    telling: dict[str, float] = {}
    for stem, word in stem_pairs(text):
        telling[stem] = min(telling.get(stem, 1.0), specificity(word))
    return Question(
        text, terms, subjects(text), kind, count, who, parts(text), tuple(telling.items())
    )


def specificity(word: str) -> float:
    """How much a word says about a topic, from its general-English frequency: rare words 1.0,
    the most common (Zipf 6.5 and over: "much", "put") 0.25."""
    return max(0.25, min(1.0, (7.0 - zipf(word)) / 3.0))


# a new question after "and", ";", "?" or a comma, perhaps after an adverb ("and roughly how
# many ..."), or a request after "and" ("... and say who oversees them")
_PART_BREAK = re.compile(
    r"(?:,?\s+and\s+|;\s*|\?\s+|,\s+)(?=(?:(?:roughly|approximately|about|also|then|briefly|"
    r"exactly|precisely|specifically|overall|so)\s+)?(?:what|how|who|when|where|which|why|whether|"
    r"did|does|do|is|are|was|were|has|have|can)\b)|"
    r"(?:,?\s+and\s+)(?=(?:say|tell me|list|explain|describe|give|name|summari[sz]e)\b)",
    re.IGNORECASE,
)


_ASKS = re.compile(
    r"\b(?:what|how|who|whom|whose|when|where|which|why|whether|is|are|was|were|do|does|did|has|"
    r"have|had|can|could|should|would|will|must|may|list|describe|tell|explain|name|give|"
    r"summari[sz]e|compare|show)\b",
    re.IGNORECASE,
)


def parts(text: str) -> tuple[str, ...]:
    """The questions of a compound question ("What did X find, and how did Y respond?")."""
    pieces = [p.strip(" ?,;") for p in _PART_BREAK.split(text)]
    pieces = [p for p in pieces if len(tokenize(p)) >= 1]
    if len(pieces) > 1 and not _ASKS.search(pieces[0]):
        pieces[:2] = [f"{pieces[0]}, {pieces[1]}"]  # "In a sentence, what is ...": a preamble
    return tuple(pieces) if len(pieces) > 1 else ()


def answer_kind(text: str) -> tuple[str, int | None, str]:
    asked = _WHEN_CLAUSE.sub("", text, count=1)  # "When X happens, why ...?" asks why
    if found := _LIST_Q.search(text):
        raw = (found.group("n") or "").lower()
        count = int(raw) if raw.isdigit() else (COUNT_WORDS[raw] if raw else None)
        if count and count > 12:
            count = None
        return "list", count, ""
    if found := _ATTRIBUTION_Q.search(text):
        return "attribution", None, found.group("who") or found.group("who2") or ""
    if _DATE_Q.search(text) or any(_WHEN_Q.match(clause) for clause in (asked, *parts(asked))):
        return "date", None, ""
    if _NUMBER_Q.search(asked):
        return "number", None, ""
    if _AGENT_Q.search(asked):
        return "agent", None, ""
    if _CONDITION_Q.search(asked):
        return "condition", None, ""
    return "any", None, ""


# In what circumstances something may or must be done: the answer is a condition ("if ...",
# "unless ...", "one of the following conditions ...").
_CONDITION_Q = re.compile(
    r"\b(?:when (?:can|could|may|might|should|must|do|does|is it|are)|in what circumstances|"
    r"under what (?:conditions|circumstances)|what (?:has|needs|have) to (?:be true|happen)|"
    r"what conditions|on what (?:basis|grounds))\b",
    re.IGNORECASE,
)


def subjects(text: str) -> tuple[Subject, ...]:
    out: dict[str, Subject] = {}
    quoted_spans = []
    for found in _QUOTED.finditer(text):
        phrase = found.group(1).strip()
        quoted_spans.append(found.span(1))
        toks = tuple(tokenize(phrase))
        if toks:
            out[phrase.lower()] = Subject(phrase, toks, _phrase(phrase))
    for found in _CAPITALISED.finditer(text):
        if any(a <= found.start() < b for a, b in quoted_spans):
            continue
        for subject in _names(text, found):
            out.setdefault(subject.label.lower(), subject)
    for key, subject in list(out.items()):  # "Sikh", "Black": a group, not a person's name
        if GROUP_NAMES.fullmatch(subject.label):
            out[key] = replace(subject, name=False, group=True)
    for found in GROUP_NAMES.finditer(text):
        name = found.group(0)
        if not any(name.lower() in s.label.lower() for s in out.values()):
            for key in [k for k in out if k in name.lower()]:
                del out[key]  # "Irish Traveller" is the group asked about, not "Traveller"
            words = name.replace("-", " ").split()
            out[name.lower()] = Subject(
                name, tuple(tokenize(name)), _phrase(name) if len(words) > 1 else "", group=True
            )
    for raw in re.findall(r"[A-Za-z][A-Za-z'’-]{2,}", text):
        word = singular(re.sub(r"['’]s?$", "", raw))  # "DSLs" is "DSL"
        low = word.lower()
        toks = tuple(tokenize(low))
        if not toks or toks[0] in FRAME_WORDS or low in QUESTION_OPENERS:
            continue
        if low.endswith("ed") and "-" not in low:
            continue  # a verb's past form ("concentrated", "commissioned") names no topic
        if len(low) <= SHORT_WORD and word.islower():
            continue  # "wat", "thx": chat spelling of a common word, not a topic
        if zipf(low) < SPECIFIC_ZIPF and not any(low in s.label.lower() for s in out.values()):
            out.setdefault(low, Subject(word, toks))
    return tuple(out.values())


def _names(text: str, found: re.Match[str]) -> list[Subject]:
    """Subjects from a capitalised run: acronyms, and names not merely opening the question."""
    run = re.sub(r"['’]s\b", " 's", found.group(0))  # "Hackney's Strategic ..." names two things
    if " 's" in run:
        head, _, tail = run.partition(" 's")
        pieces = [head.strip(), tail.strip()]
        return [s for piece in pieces if piece for s in _names_in_run(text, found, piece)]
    return _names_in_run(text, found, run)


_I = re.compile(r"I(?:['’](?:ve|m|d|ll))?")


def _names_in_run(text: str, found: re.Match[str], run: str) -> list[Subject]:
    words = run.split()
    before = text[: found.start()].rstrip(" \"'“‘(")
    first = found.group(0).startswith(words[0])
    opener = words[0].lower() in QUESTION_OPENERS
    if first and not before and (opener or zipf(words[0].lower()) >= SPECIFIC_ZIPF):
        words = words[1:]  # the question's first word, capitalised only because it starts it
    elif first and before and before[-1] in ".?!" and (opener or not tokenize(words[0])):
        words = words[1:]  # a later sentence's first word: "... It's silent? There were ..."
    while words and words[0].lower() in CONNECTORS:
        words = words[1:]
    while words and words[-1].lower() in CONNECTORS:
        words = words[:-1]
    run = " ".join(words)
    if not words or (len(words) == 1 and words[0].lower() in QUESTION_OPENERS):
        return []
    if len(words) == 1 and _I.fullmatch(words[0]):
        return []  # "I", "I've", "I'm": the asker
    out = []
    for acronym in _ACRONYM.findall(run):
        bare = acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym
        expansion = next((v for k, v in ACRONYMS.items() if k.lower() == bare.lower()), "")
        out.append(Subject(bare, tuple(tokenize(bare)), "", expansion))
    toks = tuple(tokenize(run))
    if toks and not (len(words) == 1 and _ACRONYM.fullmatch(words[0])):
        at = found.start() + found.group(0).find(run)
        after, before = text[at + len(run) :], text[:at]
        work = bool(
            _WORK.match(words[-1])
            or _WORK_AFTER.match(after)
            or _CASE_NAME.fullmatch(run)
            or _CASE_BEFORE.search(before)
        )
        phrase = _phrase(run) if len(words) > 1 else ""
        number = _DESIGNATION.match(after)
        if number and " ".join(words).lower() in DESIGNATORS:
            # "Year 9", "Section 47", "Key Stage 3": a numbered thing, not a person
            out.append(Subject(f"{run} {number.group(1)}", toks, phrase, work=work))
        else:
            out.append(Subject(run, toks, phrase, name=True, work=work))
    return out


_DESIGNATION = re.compile(r"\s(\d{1,3}[A-Za-z]?)\b")  # the number after "Year", "Section"
# Nouns that number things in documents, law and schools (capitalised before their number)
DESIGNATORS = frozenset(
    """year section article part paragraph chapter annex annexe appendix schedule page step
    stage phase level tier grade class form box table figure outcome principle standard rule
    regulation clause recommendation finding question theme priority""".split()  # noqa: SIM905
) | {"key stage"}


# A document named after a person, place or case: "the Casey review", "the Laming Inquiry", "the
# Rochdale serious case review"; or a law ("the Equality Act", "Clare's Law"). Asked about, such a
# name is the question's whole topic.
_WORK_NOUN = (
    r"(?:review|report|inquiry|inquest|investigation|study|audit|evaluation|act|law|bill)s?"
)
_WORK = re.compile(_WORK_NOUN + r"$", re.IGNORECASE)
# A child or family named as a case: a review's pseudonym ("Baby P", "Child LH", "Family A"), or a
# name after "the death of", "the case of", "the review into" ...: the question is about that case.
_CASE_NAME = re.compile(r"(?:Baby|Child|Family|Sibling|Adult|Young Person)\s+[A-Z]{1,3}")
_CASE_BEFORE = re.compile(
    r"\b(?:death|murder|killing|case|abuse|neglect|story|life)\s+of\s+(?:the\s+)?$|"
    r"\b(?:review|inquiry|inquest|investigation)\s+into\s+(?:the\s+)?$|"
    # "the inquiry into child sexual exploitation in Rotherham": the place names the inquiry
    r"\b(?:review|inquiry|inquest|investigation)\s+(?:into|of)\s+[^?.,;:]{3,60}?\s+(?:in|at)\s+"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)
_WORK_AFTER = re.compile(
    r"^[’']?s?\s+(?:(?:serious|local|national|child|children's|safeguarding|practice|case|"
    r"thematic|independent|final|interim|annual|public)\s+){0,4}" + _WORK_NOUN + r"\b",
    re.IGNORECASE,
)


def _phrase(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", fold(text)))


# "What does the library say about <topic> of/among/in ...": the phrase after a topic marker, up to
# its first preposition or conjunction, ends with the noun the question is about (its head).
_TOPIC = re.compile(
    r"\b(?:about|regarding|concerning|on the subject of|(?:learning|guidance|advice|findings?|"
    r"research|evidence|information|training|policy|position|says?|said|anything|something|"
    r"nothing|much|material|resources?)\s+on)\s+"
    r"(?:the\s+|a\s+|an\s+)?"
    r"(?P<topic>[\w'’-]+(?:\s+[\w'’-]+){0,3}?)"
    r"(?=\s+(?:of|among|amongst|in|for|with|by|and|or|from|to|at|within|between)\b|\s*[?.,;:!]|\s*$)",
    re.IGNORECASE,
)


def topic_heads(text: str) -> tuple[str, ...]:
    """The head word (last word) of each topic phrase ("sextortion" in "say about sextortion of
    Black teenage boys", "crime" in "found about knife crime among teenagers")."""
    return tuple(m.group("topic").split()[-1] for m in _TOPIC.finditer(text))


COMPOUND_ZIPF = 5.0  # a topic's modifier this rare or rarer says which kind of the head is meant


def topic_phrases(text: str) -> tuple[str, ...]:
    """The topic phrases ("knife crime" in "found about knife crime among teenagers")."""
    return tuple(m.group("topic") for m in _TOPIC.finditer(text))


def compound_subjects(text: str, known: tuple[Subject, ...]) -> tuple[Subject, ...]:
    """A two- or three-word topic whose modifiers say what kind of thing the head is ("knife
    crime", "honour-based abuse", "forced marriage"): every word must be in the library, or the
    library does not hold the topic, however common the head word is."""
    out = []
    for phrase in topic_phrases(text):
        words = [w.strip("'’").lower() for w in phrase.split()]
        if not 2 <= len(words) <= 3 or any(
            w in FRAME_WORDS or w in QUESTION_OPENERS for w in words
        ):
            continue
        modifiers = words[:-1]
        if any(GROUP_NAMES.fullmatch(w) or w in CONNECTORS for w in words):
            continue  # "Black boys": a group's coverage is judged as a group
        if not any(zipf(w) < COMPOUND_ZIPF or "-" in w for w in modifiers):
            continue  # "the main points": nothing names a kind of topic
        label = " ".join(words)
        if any(label in s.label.lower() for s in known):
            continue
        # the modifiers must be held: an absent head is head_subjects' to judge, and a head
        # swept in by an idiom ("racism word for word") is no topic
        toks = tuple(t for w in modifiers for t in tokenize(w))
        if toks:
            out.append(Subject(label, toks))
    return tuple(out)


def head_subjects(text: str, known: tuple[Subject, ...]) -> tuple[Subject, ...]:
    """Specific topic heads (rare in general English, or hyphenated compounds) that no subject
    already stands for, as subjects ("self-harm" in "the learning on self-harm among Black
    teenage girls": a hyphenated head must occur as written)."""
    out = []
    for head in topic_heads(text):
        word = head.strip("'’").lower()
        toks = tuple(tokenize(word))
        if not toks or word in FRAME_WORDS or any(word in s.label.lower() for s in known):
            continue
        if "-" not in word and zipf(word) >= SPECIFIC_ZIPF:
            continue  # a common word ("word for word"): only a specific one names a topic
        out.append(Subject(word, toks, _phrase(word) if "-" in word else ""))
    return tuple(out)
