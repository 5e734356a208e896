"""Dates as people write them in metadata, made ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(1[89]\d\d|2[01]\d\d)"


def normalise_date(value: Any) -> tuple[str, int | None, str]:
    """(ISO date or "", year or None, the original text when it was not already ISO).

    "2022-06-24" stays; "24 June 2022", "June 24, 2022", "24/06/2022" (day first, as in the UK)
    become "2022-06-24"; "March 2025" becomes "2025-03"; a range such as "2018-2023" becomes its
    last year, "2023", keeping "2018-2023" as the original text.
    """
    if value is None or value == "":
        return "", None, ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), value.year, ""
    if isinstance(value, dt.date):
        return value.isoformat(), value.year, ""
    if isinstance(value, int) and 1800 <= value <= 2199:
        return str(value), value, ""
    text = " ".join(str(value).split())
    iso = _parse(text)
    if iso:
        return iso, int(iso[:4]), "" if iso == text else text
    years = re.findall(rf"(?<!\d){_YEAR}(?!\d)", text)
    if years:
        last = max(int(y) for y in years)
        return str(last), last, text
    return "", None, text


def _parse(text: str) -> str:
    lower = text.lower().strip().rstrip(".")
    m = re.fullmatch(
        rf"{_YEAR}(?:-(\d{{2}})(?:-(\d{{2}}))?)?(?:[t ][\d:.]+(?:z|[+-][\d:]+)?)?", lower
    )
    if m:
        return _iso(int(m.group(1)), m.group(2), m.group(3))
    m = re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)? ({_MONTH})\.?,? {_YEAR}", lower)
    if m:
        return _iso(int(m.group(3)), _MONTHS[m.group(2)], m.group(1))
    m = re.fullmatch(rf"({_MONTH})\.? (\d{{1,2}})(?:st|nd|rd|th)?,? {_YEAR}", lower)
    if m:
        return _iso(int(m.group(3)), _MONTHS[m.group(1)], m.group(2))
    m = re.fullmatch(rf"({_MONTH})\.?,? {_YEAR}", lower)
    if m:
        return _iso(int(m.group(2)), _MONTHS[m.group(1)], None)
    m = re.fullmatch(rf"(\d{{1,2}})[/.](\d{{1,2}})[/.]{_YEAR}", lower)
    if m:
        return _iso(int(m.group(3)), m.group(2), m.group(1))
    return ""


def _iso(year: int, month: int | str | None, day: int | str | None) -> str:
    try:
        if month is None:
            return f"{year:04d}"
        if day is None:
            dt.date(year, int(month), 1)
            return f"{year:04d}-{int(month):02d}"
        return dt.date(year, int(month), int(day)).isoformat()
    except ValueError:
        return ""
