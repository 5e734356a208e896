"""`rla ask "question" [--json] [--filter KEY=VALUE]... [--history FILE] [--generator G] [--k N]`.

The JSON output is ``Answer.to_dict()``. ``--history`` reads a JSON list of earlier turns, oldest
first, each ``{"question": "...", "answer": "..."}`` (``-`` reads standard input). Malformed
filters or history are a usage error (exit 2); an answer with ``status="error"`` exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from assistant.errors import ConfigurationError
from assistant.settings import Settings
from assistant.types import Answer, Citation, Filters, Turn

FILTER_KEYS = {
    "theme": "themes",
    "themes": "themes",
    "doc_type": "doc_types",
    "doc_types": "doc_types",
    "area": "areas",
    "areas": "areas",
    "doc_id": "doc_ids",
    "doc_ids": "doc_ids",
    "year_from": "year_from",
    "year_to": "year_to",
}


def add_filter_option(parser: argparse.ArgumentParser) -> None:
    """``--filter KEY=VALUE`` (repeatable), read by ``parse_filters``."""
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="theme, doc_type, area, doc_id (repeatable), year_from, year_to",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", help="the question, in quotes")
    parser.add_argument("--json", action="store_true", help="print the Answer as JSON")
    add_filter_option(parser)
    parser.add_argument(
        "--history",
        metavar="FILE",
        help='JSON list of earlier turns, oldest first: [{"question": ..., "answer": ...}]',
    )
    parser.add_argument("--generator", choices=("extractive", "llm"), help="answerer to use")
    parser.add_argument("--k", type=int, metavar="N", help="passages given to the answerer")


def run(args: argparse.Namespace, settings: Settings) -> int:
    filters = parse_filters(args.filter)
    history = read_history(args.history) if args.history else []
    if args.k is not None:
        if not 1 <= args.k <= 50:
            raise ConfigurationError("--k must be between 1 and 50")
        settings = settings.model_copy(update={"retrieval_k": args.k})
    from assistant.pipeline import build_assistant

    assistant = build_assistant(settings)
    answer = assistant.ask(args.question, history, filters, generator=args.generator)
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(render(answer))
    return 1 if answer.status == "error" else 0


def parse_filters(items: list[str]) -> Filters:
    values: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value or key not in FILTER_KEYS:
            raise ConfigurationError(
                f"bad --filter {item!r}: use KEY=VALUE with KEY one of "
                "theme, doc_type, area, doc_id, year_from, year_to"
            )
        field = FILTER_KEYS[key]
        if field.startswith("year"):
            if not value.isdigit():
                raise ConfigurationError(f"bad --filter {item!r}: the year must be a number")
            values[field] = int(value)
        else:
            values.setdefault(field, []).append(value)
    return Filters.from_dict(values)


def read_history(path: str) -> list[Turn]:
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        data = json.loads(raw)
    except OSError as exc:
        raise ConfigurationError(f"cannot read --history {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"--history {path} is not JSON: {exc.msg}") from exc
    if not isinstance(data, list):
        raise ConfigurationError("--history must be a JSON list of turns")
    turns = []
    for i, item in enumerate(data):
        ok = isinstance(item, dict) and isinstance(item.get("question"), str)
        if not ok or not isinstance(item.get("answer", ""), str):
            raise ConfigurationError(
                f'--history turn {i + 1} must be {{"question": "...", "answer": "..."}}'
            )
        turns.append(Turn.from_dict(item))
    return turns


# --- human-readable output ----------------------------------------------------------------------


def render(answer: Answer) -> str:
    lines = [answer.text, ""]
    if answer.citations:
        lines.append("Sources:")
        lines.extend(_source(c) for c in answer.citations)
        lines.append("")
    for notice in answer.notices:
        lines.append(textwrap.fill(f"Note: {notice}", width=100, subsequent_indent="  "))
    lines.append(f"Status: {answer.status} (answerer: {answer.generator})")
    lines.append(_searched(answer))
    return "\n".join(lines).strip()


def _pages(c: Citation) -> str:
    if c.page_start == c.page_end:
        return f"page {c.page_start}"
    return f"pages {c.page_start}-{c.page_end}"


def _source(c: Citation) -> str:
    where = ", ".join(str(x) for x in (c.publisher, c.year) if x)
    head = f"[{c.n}] {c.title}" + (f" ({where})" if where else "") + f", {_pages(c)}"
    quote = textwrap.fill(f'"{c.quote}"', width=96, initial_indent="    ", subsequent_indent="    ")
    link = f"    {c.url or c.viewer_url}"
    return "\n".join([head, quote, link])


def _searched(answer: Answer) -> str:
    s = answer.searched
    if s is None or not answer.search_query:
        return "Searched: nothing (the question was not searched)."
    filters = ", ".join(
        f"{k}={v}" for k, v in s.filters.to_dict().items() if v not in ((), [], None)
    )
    text = (
        f'Searched: {s.documents_in_library} documents for "{answer.search_query}"'
        + (f" with {filters}" if filters else "")
        + f"; passages came from {len(s.documents_matched)} document(s)."
    )
    if s.nearest:
        text += " Nearest (not used as evidence): " + "; ".join(s.nearest) + "."
    return textwrap.fill(text, width=100, subsequent_indent="  ")
