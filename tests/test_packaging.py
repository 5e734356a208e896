"""Dependencies as declared: ranges in the package metadata, exact pins in constraints.txt, every
runtime dependency the code needs declared directly, and none declared that it never imports."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
CODE = ("assistant", "cli", "ingest", "web", "evals")


def names(requirements: list[str]) -> dict[str, str]:
    """Normalised distribution name -> its requirement line."""
    out = {}
    for line in requirements:
        name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]
        out[re.sub(r"[-_.]+", "-", name).lower()] = line
    return out


RUNTIME = names(PROJECT["dependencies"])
DEV = names(PROJECT["optional-dependencies"]["dev"])


def imported(module: str, folders: tuple[str, ...] = CODE) -> bool:
    pattern = re.compile(rf"^\s*(?:import|from)\s+{module}\b", re.MULTILINE)
    return any(
        pattern.search(path.read_text(encoding="utf-8"))
        for folder in folders
        for path in (REPO / folder).rglob("*.py")
    )


def test_no_exact_pin_in_the_package_metadata() -> None:
    pinned = [line for line in PROJECT["dependencies"] if "==" in line]
    assert pinned == []
    assert "torch" in RUNTIME


def test_torch_is_pinned_in_constraints_and_make_install_uses_them() -> None:
    constraints = (REPO / "constraints.txt").read_text(encoding="utf-8")
    assert re.search(r"^torch==\d+\.\d+\.\d+$", constraints, re.MULTILINE)
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    installs = [line for line in makefile.splitlines() if "pip install" in line and "-e" in line]
    assert installs and all("-c constraints.txt" in line for line in installs)


def test_html_cleaning_is_a_direct_dependency_and_importable() -> None:
    assert "lxml-html-clean" in RUNTIME  # lxml.html.clean left lxml; never rely on an extra
    import lxml.html.clean  # noqa: F401  (what trafilatura's HTML path needs)


def test_unused_packages_are_not_runtime_dependencies() -> None:
    for package, module in (("psutil", "psutil"), ("reportlab", "reportlab")):
        assert not imported(module), f"{module} is imported by the product: declare it"
        assert package not in RUNTIME
    assert "reportlab" not in DEV and not imported("reportlab", ("tests", "benchmarks"))
    assert "psutil" in DEV and imported("psutil", ("tests", "benchmarks"))


def test_the_libraries_replacing_hand_written_code_are_declared() -> None:
    for package, module in (
        ("pystemmer", "Stemmer"),
        ("bm25s", "bm25s"),
        ("rapidfuzz", "rapidfuzz"),
        ("jinja2", "jinja2"),
        ("phonenumbers", "phonenumbers"),
        ("python-stdnum", "stdnum"),
    ):
        assert package in RUNTIME, package
        assert imported(module), module
    assert "openapi-spec-validator" in DEV and "jsonschema" in DEV
