"""The theme taxonomy as data: each Theme's label, description and phrase rules.

Phrases are regular expressions matched case-insensitively on word boundaries. ``strong`` phrases
are specific to the theme, ``weak`` ones suggestive, ``exclude`` ones false friends; how they are
scored is in ``ingest.themes`` (the minimum-evidence rule). Edit here, then regenerate
docs/themes.md with ``python -m ingest.themes > docs/themes.md``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Theme:
    theme_id: str
    label: str
    description: str
    strong: tuple[str, ...] = ()  # regular expressions, matched case-insensitively on word bounds
    weak: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    _compiled: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def rules(self, kind: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """(phrase, compiled pattern) for each phrase of ``kind`` (strong | weak | exclude)."""
        if kind not in self._compiled:
            phrases: Sequence[str] = getattr(self, kind)
            self._compiled[kind] = tuple(
                (p, re.compile(rf"\b(?:{p})\b", re.IGNORECASE)) for p in phrases
            )
        rules: tuple[tuple[str, re.Pattern[str]], ...] = self._compiled[kind]
        return rules

    def any_rule(self) -> re.Pattern[str] | None:
        """One pattern matching wherever any strong or weak phrase matches (None when the theme
        has none): a text it does not match scores nothing, so tagging skips it in one pass
        instead of one pass per phrase."""
        if "any" not in self._compiled:
            phrases = (*self.strong, *self.weak)
            either = "|".join(f"(?:{p})" for p in phrases)
            self._compiled["any"] = (
                re.compile(rf"\b(?:{either})\b", re.IGNORECASE) if phrases else None
            )
        found: re.Pattern[str] | None = self._compiled["any"]
        return found


TAXONOMY: tuple[Theme, ...] = (
    Theme(
        "silence-on-racism",
        "Silence on race and racism",
        "Race, racism and ethnicity left unspoken, unrecorded or unexplored by professionals and "
        "partnerships; also explicit discussion of racism and racial discrimination.",
        strong=(
            r"silen(?:ce|t)\s+(?:about|on|around|regarding)\s+(?:race|racism|ethnicity)",
            r"(?:not|never|rarely|seldom)\s+(?:\w+\s+){0,3}(?:discuss|consider|explor|mention|"
            r"record|ask|talk)\w*\s+(?:about\s+)?(?:\w+\s+){0,2}(?:race|racism|ethnicity)",
            r"(?:race|racism|ethnicity)\s+(?:was|were|is)\s+(?:not|never|rarely|seldom)",
            r"colou?r[- ]?blind(?:ness)?",
            r"anti[- ]racis[mt]\w*",
            r"racial (?:discrimination|bias|trauma|stereotyp\w*|disparit\w*|inequalit\w*)",
            r"institutional racism",
            r"structural racism",
            r"racism",
            r"racist",
        ),
        weak=(r"race", r"racial\w*", r"ethnicity", r"ethnic minorit\w*", r"discriminat\w*"),
        exclude=(r"human race", r"race against", r"arms race"),
    ),
    Theme(
        "adultification",
        "Adultification",
        "Children, often Black children, perceived and treated as older, less innocent or less "
        "vulnerable than they are, so that their need for protection is missed.",
        strong=(
            r"adultif\w*",
            r"(?:seen|perceived|treated|viewed) as (?:older|more mature|adults?)",
        ),
        weak=(
            r"less innocent",
            r"less vulnerable",
            r"older than (?:they|he|she) (?:were|was|are|is)",
            r"mature beyond",
        ),
    ),
    Theme(
        "identity-and-heritage",
        "Identity and heritage",
        "A child's ethnic, racial, cultural or mixed heritage identity and how professionals "
        "understood it (or did not).",
        strong=(
            r"(?:mixed|dual|multiple|black|asian|cultural|ethnic) heritage",
            r"(?:racial|ethnic|cultural) identity",
            r"identity needs",
            r"sense of (?:identity|belonging)",
        ),
        weak=(r"identity", r"heritage", r"ethnic background", r"black", r"asian", r"mixed race"),
        exclude=(
            r"identity (?:document|card|theft|fraud|verification|check)\w*",
            r"proof of identity",
            r"heritage (?:site|building|lottery)",
            r"black (?:mould|mold|eye|market)",
            r"black,? asian,? (?:and|or) (?:minority ethnic|mixed heritage)",
            r"(?:black and )?minority ethnic",
        ),
    ),
    Theme(
        "faith-and-culture",
        "Faith and culture",
        "Religion, faith communities and cultural practices, and whether professionals understood "
        "them or let assumptions about culture stand in for assessment.",
        strong=(
            r"faith (?:communit\w*|group\w*|leader\w*|setting\w*|organisation\w*|based)",
            r"religio(?:n|us)\w*",
            r"church\w*",
            r"mosque\w*",
            r"temple\w*",
            r"gurdwara\w*",
            r"synagogue\w*",
            r"madrass?a\w*",
            r"cultural (?:practice|norm|belief|competen|sensitiv|humility|relativism|"
            r"assumption|stereotyp)\w*",
            r"witchcraft",
            r"spirit possession",
        ),
        weak=(r"faith", r"culture", r"cultural\w*", r"belief\w*", r"imam", r"pastor"),
        exclude=(
            r"(?:organisational|organizational|team|blame|workplace|learning|safeguarding|"
            r"professional|work|service|practice) culture",
            r"culture (?:of|within) (?:the )?(?:team|organisation|service|agency|practice)",
            r"good faith",
            r"bad faith",
        ),
    ),
    Theme(
        "language-and-interpreters",
        "Language and interpreters",
        "Communication across languages: interpreters, first language, children used to interpret, "
        "English as an additional language.",
        strong=(
            r"interpret(?:er|ers|ing)\b(?!\s+(?:of|the|this|these|that)\b)",
            r"first language",
            r"english as an additional language",
            r"\beal\b",
            r"translat(?:or|ors|ion|ed|ing)",
            r"language barrier\w*",
            r"(?:limited|little|no) english",
            r"home language",
            r"spoke(?:n)? (?:little|no) english",
        ),
        weak=(r"language\w*", r"fluen\w*", r"english"),
        exclude=(r"body language", r"language (?:used|of) (?:in|by) (?:the )?(?:report|review)"),
    ),
    Theme(
        "immigration-status",
        "Immigration status",
        "Immigration and asylum status, no recourse to public funds, unaccompanied and trafficked "
        "children, and how status shaped access to help.",
        strong=(
            r"immigration",
            r"asylum",
            r"no recourse to public funds",
            r"\bnrpf\b",
            r"unaccompanied (?:asylum[- ]seeking )?(?:child|children|minor)\w*",
            r"refugee\w*",
            r"home office",
            r"leave to remain",
            r"trafficked",
            r"undocumented",
        ),
        weak=(r"migrant\w*", r"migration", r"visa\w*", r"citizenship", r"deport\w*"),
    ),
    Theme(
        "professional-curiosity",
        "Professional curiosity",
        "Asking, checking and exploring rather than accepting accounts at face value; respectful "
        "uncertainty and challenge.",
        strong=(
            r"professional curiosity",
            r"(?:lack|absence) of curiosity",
            r"respectful uncertainty",
            r"curious",
            r"curiosity",
            r"taken? at face value",
            r"(?:challenge|question)\w* (?:the )?(?:account|explanation|parents?|carers?)",
        ),
        weak=(r"assumption\w*", r"explor\w*", r"challeng\w*", r"probe|probing"),
    ),
    Theme(
        "risk-assessment-bias",
        "Bias in risk assessment",
        "Stereotypes, unconscious bias and assumptions distorting how risk and need were assessed.",
        strong=(
            r"unconscious bias",
            r"implicit bias",
            r"(?:racial|cultural|gender|confirmation) bias",
            r"stereotyp\w*",
            r"bias\w* (?:in|within|about) (?:the )?(?:assessment|risk|decision)\w*",
            r"(?:assumption|perception)s? (?:about|of) (?:\w+ ){0,2}(?:black|asian|ethnic|race)\w*",
        ),
        weak=(
            r"bias\w*",
            r"assumption\w*",
            r"risk assessment\w*",
            r"assessment\w* of risk",
            r"threshold\w*",
            r"percei\w*|perception\w*",
        ),
    ),
    Theme(
        "voice-of-the-child",
        "Voice of the child",
        "The child's own words, wishes, feelings and lived experience heard and acted upon.",
        strong=(
            r"voice of the child",
            r"child'?s voice",
            r"children'?s voices?",
            r"lived experience",
            r"(?:wishes|views) and feelings",
            r"(?:spoke|spoken|speak|speaking|talk\w*) (?:to|with) the child(?:ren)? (?:alone|on their own)",
            r"seen alone",
            r"(?:listen\w*|heard) to (?:the )?(?:child|children|young people|young person)",
        ),
        weak=(r"voice", r"listen\w*", r"heard", r"wishes", r"day[- ]to[- ]day experience"),
    ),
    Theme(
        "fathers-and-male-carers",
        "Fathers and male carers",
        "Fathers, stepfathers and other men in a child's life: whether they were known, assessed "
        'and engaged (the "invisible men").',
        strong=(
            r"fathers",
            r"(?:step|birth|biological|absent)[- ]?fathers?",
            r"male carers?",
            r"invisible men",
            r"men in (?:the|a) child'?s life",
            r"paternal",
        ),
        weak=(r"father", r"partner\w*", r"dad\w*", r"boyfriend\w*", r"men", r"male"),
        exclude=(
            r"partner (?:agenc|organisation)\w*",
            r"safeguarding partners?",
            r"partnership\w*",
        ),
    ),
    Theme(
        "multi-agency-working",
        "Multi-agency working",
        "Agencies working together: information sharing, referrals, strategy discussions, "
        "escalation and partnership arrangements.",
        strong=(
            r"multi[- ]agency",
            r"inter[- ]agency",
            r"information[- ]sharing",
            r"shar(?:e|ed|ing) information",
            r"strategy (?:discussion|meeting)\w*",
            r"working together",
            r"safeguarding partners?",
            r"escalat\w*",
            r"\bmash\b",
            r"referr(?:al|als|ed)",
        ),
        weak=(r"agenc(?:y|ies)", r"partner\w*", r"professionals?", r"coordinat\w*"),
        exclude=(r"safeguarding (?:children(?:'s)? )?partnerships?",),  # an organisation's name
    ),
    Theme(
        "criminal-exploitation",
        "Criminal exploitation",
        "Child criminal exploitation, county lines, gangs, serious youth violence and "
        "contextual safeguarding.",
        strong=(
            r"criminal(?:ly)? exploit\w*",
            r"\bcce\b",
            r"county lines?",
            r"gangs?",
            r"serious youth violence",
            r"contextual safeguarding",
            r"extra[- ]familial harm",
            r"drug (?:running|dealing)",
            r"knife crime",
        ),
        weak=(r"exploit\w*", r"violence", r"drugs?", r"weapon\w*", r"youth justice"),
        exclude=(r"sexual(?:ly)? exploit\w*",),
    ),
    Theme(
        "sexual-abuse",
        "Sexual abuse",
        "Child sexual abuse within and outside the family, child sexual exploitation and grooming.",
        strong=(
            r"sexual(?:ly)? (?:abuse|abused|exploit\w*|assault\w*|harm\w*|violence)",
            r"\bcsa\b",
            r"\bcse\b",
            r"intra[- ]?familial",
            r"groom(?:ed|ing)",
            r"rape\w*",
            r"indecent",
        ),
        weak=(r"sexual\w*", r"abuse\w*", r"disclos\w*", r"harmful sexual behaviour"),
    ),
    Theme(
        "neglect",
        "Neglect",
        "Persistent failure to meet a child's basic needs: food, shelter, hygiene, health, "
        "supervision; including cumulative harm.",
        strong=(
            r"neglect(?!ed to\b)\w*",
            r"cumulative harm",
            r"basic needs",
            r"(?:poor|unkempt) (?:home )?conditions",
            r"(?:poor|lack of) (?:hygiene|supervision)",
            r"malnourish\w*",
        ),
        weak=(r"unkempt", r"hungry|hunger", r"missed (?:health )?appointments?", r"poverty"),
    ),
    Theme(
        "education-and-schools",
        "Education and schools",
        "Schools, colleges and education settings: attendance, exclusion, designated safeguarding "
        "leads, and what school staff saw.",
        strong=(
            r"schools?",
            r"college\w*",
            r"exclu(?:sion|sions|ded) from (?:school|education)",
            r"(?:permanent|fixed[- ]term|school) exclusion\w*",
            r"designated safeguarding leads?",
            r"\bdsl\b",
            r"teachers?",
            r"pupils?",
            r"alternative provision",
            r"elective home education",
        ),
        weak=(r"education\w*", r"attendance", r"classroom", r"head ?teacher", r"nursery"),
        exclude=(r"royal college\w*(?: of \w+)?", r"college of policing"),
    ),
    Theme(
        "policing",
        "Policing",
        "Police contact with children and families: searches, arrests, custody, police "
        "safeguarding duties and how police perceived children.",
        strong=(
            r"police\w*",
            r"policing",
            r"officers? (?:attended|searched|arrested)",
            r"strip[- ]search\w*",
            r"stop and search",
            r"custody",
            r"arrest\w*",
        ),
        weak=(r"officers?", r"criminal justice", r"crime", r"offend\w*"),
        exclude=(r"police and crime commissioner", r"cardiac arrest", r"respiratory arrest"),
    ),
    Theme(
        "health-visiting",
        "Health visiting",
        "Health visitors and community health services for babies and young children.",
        strong=(
            r"health visit(?:or|ors|ing)",
            r"healthy child programme",
            r"(?:new )?birth visits?",
            r"school nurs\w*",
            r"\b0[-–]19 (?:service|team)\w*",
        ),
        weak=(
            r"midwi\w*",
            r"\bgps?\b",
            r"general practi\w*",
            r"health (?:service|professional)\w*",
        ),
    ),
    Theme(
        "infant-injury",
        "Infant injury",
        "Babies and very young children harmed by non-accidental injury: bruising, fractures, "
        "head injury, and how early signs were read.",
        strong=(
            r"non[- ]accidental injur\w*",
            r"\bnai\b",
            r"abusive head trauma",
            r"shaken baby",
            r"(?:head|skull|rib|limb|metaphyseal) (?:injur\w*|fractur\w*)",
            r"bruis\w* (?:in|to|on) (?:an? )?(?:infant|baby|babies|non[- ]mobile)\w*",
            r"non[- ]mobile (?:infant|baby|babies|child)\w*",
        ),
        weak=(r"bruis\w*", r"fractur\w*", r"infants?", r"bab(?:y|ies)", r"under[- ]ones?"),
    ),
    Theme(
        "supervision-and-reflection",
        "Supervision and reflection",
        "Supervision, reflective practice, management oversight and learning culture for "
        "practitioners.",
        strong=(
            r"supervision",
            r"reflective (?:practice|space|discussion|session)\w*",
            r"reflection",
            r"management oversight",
            r"critical reflection",
        ),
        weak=(
            r"reflect\w*",
            r"oversight",
            r"training",
            r"learning culture",
            r"manager\w*",
            r"challenge",
        ),
        exclude=(r"(?:police|court|parental|adult) supervision",),
    ),
    Theme(
        "partnership-strategy",
        "Partnership strategy and leadership",
        "What safeguarding partnerships and their leaders do with learning: strategy, governance, "
        "assurance, workforce development and system-wide action.",
        strong=(
            r"partnership (?:strateg\w*|leadership|arrangements|priorit\w*|board\w*)",
            r"(?:strategic|senior|system) leaders?(?:hip)?",
            r"leadership",
            r"governance",
            r"quality assurance",
            r"workforce (?:development|strateg\w*|plan\w*)",
            r"(?:anti[- ]racist|race equality) (?:strateg\w*|plan\w*|action plan\w*|framework\w*)",
        ),
        weak=(
            r"safeguarding (?:children(?:'s)? )?partnerships?",
            r"strateg\w*",
            r"priorit\w*",
            r"assurance",
            r"commission\w*",
            r"accountab\w*",
        ),
    ),
)
