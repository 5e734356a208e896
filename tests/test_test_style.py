"""The test suite's own house rule: no test asserts only inside a loop that can be empty.

Such a test passes, asserting nothing, when the collection it walks comes back empty (a dataset
that failed to load, a search that found nothing). A test may loop over a literal (a tuple written
in the test); anything else needs an assertion outside the loop, such as on the collection's size.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
LOOPS = (ast.For, ast.AsyncFor, ast.While)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _literals(tree: ast.Module) -> frozenset[str]:
    """Module-level names bound to a non-empty literal tuple, list or set (``QUESTIONS = [...]``)."""
    names = set()
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(value, ast.Tuple | ast.List | ast.Set) and value.elts:
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return frozenset(names)


def _never_empty(loop: ast.stmt, literals: frozenset[str]) -> bool:
    """A loop over a non-empty literal (or a module constant bound to one), or range/enumerate/
    zip of such literals and constants."""
    it = getattr(loop, "iter", None)
    if isinstance(it, ast.Tuple | ast.List | ast.Set) and it.elts:
        return True
    if isinstance(it, ast.Name) and it.id in literals:
        return True
    counted = isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.args
    if counted and it.func.id in ("range", "enumerate", "zip"):  # type: ignore[union-attr]
        args = it.args  # type: ignore[union-attr]
        return all(
            isinstance(a, ast.Constant) or _never_empty(ast.For(iter=a), literals) for a in args
        )
    return False


def _asserts(
    node: ast.AST, literals: frozenset[str], in_loop: bool = False
) -> Iterator[tuple[ast.Assert, bool]]:
    """Every assert of a function body, with whether it sits inside a loop that can be empty."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, SCOPES):
            continue
        if isinstance(child, ast.Assert):
            yield child, in_loop
        if isinstance(child, LOOPS) and not _never_empty(child, literals):
            for stmt in child.body:
                if isinstance(stmt, ast.Assert):
                    yield stmt, True
                yield from _asserts(stmt, literals, True)
            for stmt in child.orelse:
                if isinstance(stmt, ast.Assert):
                    yield stmt, in_loop
                yield from _asserts(stmt, literals, in_loop)
        else:
            yield from _asserts(child, literals, in_loop)


def only_in_loops(source: str) -> list[str]:
    """Names of the tests in ``source`` whose every assert is inside a loop that can be empty."""
    found = []
    tree = ast.parse(source)
    literals = _literals(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            asserts = list(_asserts(node, literals))
            if asserts and all(in_loop for _, in_loop in asserts):
                found.append(node.name)
    return found


def test_the_check_finds_an_assertion_only_inside_a_loop() -> None:
    source = """
def test_walks(items):
    for item in items:
        assert item
def test_counts_first(items):
    assert items
    for item in items:
        assert item
def test_literal():
    for word in ("a", "b"):
        assert word
WORDS = ["a"]
def test_constant():
    for word in WORDS:
        assert word
def test_nested(rows):
    for row in rows:
        if row:
            for cell in (1, 2):
                assert cell
"""
    assert only_in_loops(source) == ["test_walks", "test_nested"]


def test_no_test_asserts_only_inside_a_loop_that_can_be_empty() -> None:
    files = sorted(TESTS.rglob("test_*.py"))
    assert len(files) > 50
    offenders = [
        f"{path.relative_to(TESTS)}::{name}"
        for path in files
        for name in only_in_loops(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
