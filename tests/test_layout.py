"""The core's layout, read from its source with ``ast``: parts grouped by concern import each other
one way only, and the core imports no shell (argument parsing, Flask, the web, ingest, evals, cli).

A *part* is one package directly under ``assistant/`` (``assistant.checks``) or one top-level module
(``assistant.pipeline``). Every import is counted, including imports inside functions and under
``TYPE_CHECKING``: a cycle that only the type checker sees is still a cycle a reader has to follow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "assistant"
SHELLS = ("argparse", "flask", "werkzeug", "web", "cli", "ingest", "evals")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path) -> Iterator[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return names_in(path.read_text(encoding="utf-8"), package)


def names_in(source: str, package: str) -> Iterator[str]:
    """Absolute names of every module ``source`` (a module of ``package``) imports; ``from x
    import y`` yields ``x.y`` too, since ``y`` may itself be a module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def part_of(name: str) -> str | None:
    """``assistant.checks.scope`` -> ``assistant.checks``; ``assistant.pipeline`` -> itself;
    names outside the core (or the bare package ``assistant``) -> None."""
    parts = name.split(".")
    if parts[0] != "assistant" or len(parts) < 2:
        return None
    candidate = f"assistant.{parts[1]}"
    exists = (CORE / parts[1]).is_dir() or (CORE / f"{parts[1]}.py").is_file()
    return candidate if exists else None


def part_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in core_files():
        source = part_of(module_name(path))
        if source is None:
            continue
        edges = graph.setdefault(source, set())
        for name in imported_names(path):
            target = part_of(name)
            if target is not None and target != source:
                edges.add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one part (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


PLANTED = """
import argparse
from assistant.checks import scope
from . import sibling
from ..text.spans import MARKER

if TYPE_CHECKING:
    import web.app


def late():
    from flask import Flask
"""


def test_the_reader_sees_every_kind_of_import() -> None:
    names = set(names_in(PLANTED, "assistant.checks"))
    assert {
        "argparse",
        "assistant.checks.scope",
        "assistant.checks.sibling",
        "assistant.text.spans",
        "web.app",
        "flask",
    } <= names
    assert part_of("assistant.checks.scope") == "assistant.checks"
    assert part_of("assistant.text.spans.MARKER") == "assistant.text"
    assert part_of("assistant.pipeline") == "assistant.pipeline"
    assert part_of("assistant") is None
    assert part_of("web.api") is None


def test_cycle_finder_finds_a_planted_cycle_and_no_false_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_cycle_between_parts_of_the_core() -> None:
    graph = part_graph()
    assert len(graph) > 10, "the layout test read too few parts of the core: is ROOT right?"
    found = cycles(graph)
    assert found == [], "parts of assistant/ that import each other in a cycle: " + "; ".join(
        " <-> ".join(c) for c in found
    )


def test_the_core_imports_no_shell() -> None:
    offences = []
    for path in core_files():
        for name in imported_names(path):
            top = name.split(".")[0]
            if top in SHELLS or top.startswith("flask_"):
                offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert len(core_files()) > 30
    assert offences == [], "\n".join(sorted(set(offences)))
