"""Detectors for details that could identify a person in a practitioner's question.

Each detector returns only the *kind* of data found, never the data: callers show and log kinds
("an email address"), so what a person typed is never echoed back or written to a log.

The policy is to catch what identifies someone while leaving ordinary safeguarding questions alone
(tests/test_guardrails.py holds both tables):
- phone numbers, found with ``phonenumbers`` (Google's libphonenumber): any number written in
  international form (``+234 803 555 0199``, ``+2348035550198``, ``0044 20 …``), and UK numbers
  written nationally with the trunk 0 (07…, 01…, 02…). Freephone, shared-cost, national-rate and
  premium numbers (0800, 0808, 03…, 084…, 087…, 09…) are organisations' helplines, not flagged;
  digits a phone number covers are never read again as an NHS number;
- NHS numbers: ten digits that pass the mod-11 check (``stdnum.gb.nhs``; a random ten-digit
  number usually fails it);
- National Insurance numbers: valid prefix letters, six digits and a suffix A-D (the suffix may be
  left off when the text says it is an NI number);
- postcodes: a full postcode (outward and inward code). Lower-case ones count too, except
  lookalikes such as "b1 2nd" or "y9 3pm";
- dates of birth: a date beside "born", "DOB", "d.o.b." or "date of birth", or a full date set
  right beside a person ("my client's son, 12/03/2015"). Dates of reports and events ("published
  on 14 March 2022", "between January 2022 and March 2024", "Child Q on 3 December 2020") are not;
- a child's full name with an age, in any of the usual forms: "Jayden Smith, aged 7",
  "Jayden Smith (9)", "Jayden Smith, 14,", "Jayden Smith who is 14", "Jayden Smith is 14",
  "Smith, Jayden, who is 14", "7-year-old Jayden Smith", "Jayden Smith, a 7-year-old". Only two
  or more capitalised name words count; ethnic, faith, place, document and common capitalised
  words are excluded, and children named in published national reviews (``PUBLIC_CASE_NAMES``)
  are allowed. A first name alone with an age is not flagged (too weak a signal to refuse a
  question on).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType
from stdnum.gb import nhs

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_NHS = re.compile(r"(?<![\d\w])(\d{3})[ \-]?(\d{3})[ \-]?(\d{4})(?![\d\w])")
_NI = re.compile(
    r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})"
    r"(?:\s?([A-D]))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NI_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_NI_CONTEXT = re.compile(r"\b(national insurance|ni\s*(?:no|number)|nino)\b", re.IGNORECASE)
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_POSTCODE_LOOKALIKE = re.compile(r"^\d(?:st|nd|rd|th|am|pm)$")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_FULL_DATE = re.compile(
    r"\b(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+\d{{4}}\b", re.IGNORECASE)
_BIRTH_CUE = re.compile(r"\b(born|birthday|dob|d\.o\.b\.?|date of birth)\b", re.IGNORECASE)
_STRONG_BIRTH_CUE = re.compile(r"\b(dob|d\.o\.b\.?|date of birth)\b", re.IGNORECASE)
_PERSON_BEFORE = re.compile(
    r"\b(child|boy|girl|son|daughter|baby|infant|toddler|teenager|pupil|student|client|sibling|"
    r"brother|sister|mother|father|mum|dad|carer|young person|yp)\s*[,(:\-–]?\s*$",
    re.IGNORECASE,
)
_EVENT_BEFORE = re.compile(
    r"\b(on|in|since|from|until|till|between|by|before|after|dated|of|to|and|published|issued)"
    r"\s*$",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-ZÀ-Þ][a-zß-ÿ]*(?:['’\-][A-ZÀ-Þ]?[a-zß-ÿ]+)*"
_NAME = rf"({_NAME_WORD}(?:,?\s+{_NAME_WORD}){{1,3}})"  # "Jayden Smith", "Smith, Jayden"
_AGE = r"\d{1,2}"
_UNIT = r"(?:\s*(?:years?|yrs?|months?)(?:\s+old)?)"
_ENDS = r"(?=\s*(?:[,.;:!?)]|$|\b(?:and|but|with|who|so|has|had|was|is)\b))"
_AGE_AFTER = re.compile(
    _NAME
    + "(?:"
    + rf"\s*,?\s*\(\s*(?:aged?\s+)?{_AGE}{_UNIT}?\s*\)"  # (14), (aged 9), (16 months)
    + rf"|\s*,?\s+aged?\s+{_AGE}\b"  # aged 9, age 12
    + rf"|\s*,\s*{_AGE}{_UNIT}?{_ENDS}"  # , 14,   , 7 years old.
    + r"|\s*,?\s+(?:who|that)\s*(?:is|'s|’s|was|turned|has turned)\s+"
    + rf"(?:now\s+|only\s+|just\s+)?(?:aged\s+)?{_AGE}\b"  # who is 14
    + rf"|\s+(?:is|was|turned)\s+(?:now\s+|only\s+|just\s+)?(?:aged\s+)?{_AGE}{_UNIT}?{_ENDS}"
    + rf"|\s*,\s*(?:an?\s+)?{_AGE}[- ](?:year|month)s?[- ]old\b"  # , a 7-year-old
    + ")"
)
_AGE_BEFORE = re.compile(rf"\b{_AGE}[- ](?:year|month)s?[- ]old\s+" + _NAME)
_NOT_NAME_TEXT = """
    the a an in on at of and or my our his her their this that these those child children
    baby young person people year years key stage black white asian mixed heritage race
    british caribbean african pakistani bangladeshi indian chinese irish gypsy roma
    traveller travellers arab muslim sikh hindu jewish christian catholic somali nigerian
    ghanaian eritrean afghan polish romanian eastern european other any minority ethnic
    south east west north london england wales scotland local national review reviews panel
    school police council authority social care services safeguarding partnership lcspr scr
    nhs january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday mr mrs ms miss dr sir
    lady lord girls boys kids teenagers pupils students working together act section chapter
    page pages paragraph table figure annex appendix part volume report board team unit
    service centre trust foundation practice case rapid serious learning lesson question
    answer
"""
_NOT_NAME_WORDS = frozenset(_NOT_NAME_TEXT.split())
# Children named in published national reviews and inquiries: questions about them are about the
# published learning, not about a live case.
PUBLIC_CASE_NAMES = frozenset(
    """arthur labinjo-hughes|star hobson|victoria climbié|victoria climbie|peter connelly|
    daniel pelka|khyra ishaq|hamzah khan|sara sharif|baby p|child q|child a|child b|child c|
    ayeeshia smith|keanu williams|jasmine beckford|maria colwell|tyra henry|kimberley carlile|
    finley boden|jaden moodie|leon matthews|child c-a""".replace("\n", "").split("|")
)

KIND_LABELS = {
    "email": "an email address",
    "phone": "a phone number",
    "nhs_number": "an NHS number",
    "ni_number": "a National Insurance number",
    "postcode": "a postcode",
    "date_of_birth": "a date of birth",
    "child_name_age": "a child's name with their age",
}


_HELPLINE_TYPES = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.UAN,
    }
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_personal_phone(raw: str, number: phonenumbers.PhoneNumber) -> bool:
    """A number a person could be reached on: not a helpline; written internationally (+, 00)
    or as a UK number with its trunk 0 (a bare run of digits is a reference, not a phone)."""
    raw = raw.strip()
    if not raw.startswith(("+", "00", "0", "(0", "(+")):
        return False
    kind = phonenumbers.number_type(number)
    if kind in _HELPLINE_TYPES:
        return False
    national = str(number.national_number)
    if number.country_code == 44:
        # Reserved drama ranges (07700 900…, 01632 960…) are invalid to libphonenumber but are
        # still shaped like a person's number: judge UK numbers by their leading digit.
        return len(national) in (9, 10) and national[0] in "127"
    return phonenumbers.is_valid_number(number) or phonenumbers.is_possible_number(number)


def phone_spans(text: str) -> list[tuple[int, int]]:
    """Where personal phone numbers are in ``text`` (start, end)."""
    return [
        (m.start, m.end)
        for m in PhoneNumberMatcher(text, "GB", leniency=Leniency.POSSIBLE)
        if _is_personal_phone(m.raw_string, m.number)
    ]


def nhs_check_digit_ok(digits: str) -> bool:
    """Mod-11 check of a ten-digit NHS number (``stdnum.gb.nhs``); all-same digits never pass."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    return bool(nhs.is_valid(digits))


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the given spans blanked (so their digits are not read twice)."""
    for start, end in reversed(spans):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _has_nhs_number(text: str) -> bool:
    text = _without(text, phone_spans(text))
    return any(nhs_check_digit_ok("".join(m.groups())) for m in _NHS.finditer(text))


def _has_ni_number(text: str) -> bool:
    context = bool(_NI_CONTEXT.search(text))
    for m in _NI.finditer(text):
        prefix = m.group(1).upper()
        if prefix in _NI_BAD_PREFIX:
            continue
        if m.group(5) and (m.group(1).isupper() or context):
            return True
        if context:
            return True
    return False


def _has_postcode(text: str) -> bool:
    for m in _POSTCODE.finditer(text):
        whole = m.group(0)
        if whole.isupper() or any(c.isdigit() for c in whole) and whole == whole.upper():
            return True
        if whole.islower() and not _POSTCODE_LOOKALIKE.match(m.group(2)):
            return True
    return False


def _near(pattern: re.Pattern[str], text: str, start: int, end: int, window: int = 30) -> bool:
    return bool(pattern.search(text[max(0, start - window) : end + window]))


def _has_date_of_birth(text: str) -> bool:
    for m in _FULL_DATE.finditer(text):
        if _near(_BIRTH_CUE, text, m.start(), m.end()):
            return True
        before = text[max(0, m.start() - 40) : m.start()]
        if _PERSON_BEFORE.search(before) and not _EVENT_BEFORE.search(before):
            return True
        if re.match(r"\s*\(?\s*(?:dob|born)\b", text[m.end() :], re.IGNORECASE):
            return True
    return any(
        _near(_STRONG_BIRTH_CUE, text, m.start(), m.end(), 20) for m in _MONTH_YEAR.finditer(text)
    )


def _is_private_name(name: str) -> bool:
    """Whether some run of two or more trailing name words is a private person's name."""
    words = [w.strip(",") for w in name.split()]
    for start in range(len(words) - 1):
        tail = words[start:]
        if " ".join(tail).lower() in PUBLIC_CASE_NAMES or any(len(w) < 2 for w in tail):
            continue
        if not any(w.lower().strip("'’") in _NOT_NAME_WORDS for w in tail):
            return True
    return False


def _has_child_name_with_age(text: str) -> bool:
    if any(_is_private_name(m.group(1)) for m in _AGE_AFTER.finditer(text)):
        return True
    return any(_is_private_name(m.group(1)) for m in _AGE_BEFORE.finditer(text))


_DETECTORS = (
    ("email", lambda t: bool(EMAIL.search(t))),
    ("phone", lambda t: bool(phone_spans(t))),
    ("nhs_number", _has_nhs_number),
    ("ni_number", _has_ni_number),
    ("postcode", _has_postcode),
    ("date_of_birth", _has_date_of_birth),
    ("child_name_age", _has_child_name_with_age),
)


def detect(text: str) -> tuple[str, ...]:
    """The kinds of personal data in ``text`` (keys of ``KIND_LABELS``), in a fixed order."""
    return tuple(kind for kind, found in _DETECTORS if found(text))


def describe(kinds: tuple[str, ...]) -> str:
    """'an email address and a phone number' — for the refusal message (never the data itself)."""
    labels = [KIND_LABELS[k] for k in kinds]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]
