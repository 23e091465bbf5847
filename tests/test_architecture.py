"""The layers, as ARCHITECTURE.md draws them, checked on the source: imports point one way, down.

Every project import (module level or inside a function) is read from the syntax tree, so a new
upward import, a cycle, or an unexplained function-level import fails here before review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Repository folder -> installed package name (pyproject's package-dir).
PACKAGES = {"oversight": "oversight", "data": "oversight.data", "components": "oversight.components"}

#: Layer of each package prefix, lowest first; a module may import its own layer or lower ones.
LAYERS = [
    ("oversight.data.settings", 0),
    ("oversight.data.resources", 0),
    ("oversight.data.checksum", 0),
    ("oversight.data.logs", 0),
    ("oversight.data.domain", 1),
    ("oversight.data.store", 2),
    ("oversight.data.sources", 3),
    ("oversight.data.downloads", 4),
    ("oversight.data.curation", 5),
    ("oversight.data.bootstrap", 6),
    ("oversight.components.figures", 7),
    ("oversight.components.reports", 8),
    ("oversight.components.widgets", 9),
    ("oversight.components.views", 10),
    ("oversight.cli", 11),
    ("app", 12),
]


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported project module
    line: int
    in_function: bool
    reason: str  # the comment on the line above a function-level import


def _module_name(path: Path) -> str | None:
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "pages" or rel == Path("app.py"):
        return "app." + rel.stem
    package = PACKAGES.get(rel.parts[0])
    if package is None:
        return None
    parts = [package, *rel.with_suffix("").parts[1:]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    out = {}
    for folder in ("oversight", "data", "components", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = _module_name(path)
            if name:
                out[name] = path
    out["app.app"] = ROOT / "app.py"
    return out


SOURCES = _sources()


def _resolve(name: str) -> str | None:
    """The project module an import names (a package import resolves to its __init__)."""
    while name:
        if name in SOURCES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[Import]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    inside = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        for name in names:
            target = _resolve(name)
            if target and target != module:
                yield Import(module, target, node.lineno, id(node) in inside, above)


IMPORTS = [imp for module, path in SOURCES.items() for imp in _imports(module, path)]


def _layer(module: str) -> int:
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    if module == "oversight.data" or module == "oversight.components" or module == "oversight":
        return -1  # package docstrings: import nothing
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md")


def test_every_module_has_a_layer():
    for module in SOURCES:
        _layer(module)


def test_imports_point_down():
    upward = [
        f"{i.source} (line {i.line}) imports {i.target}"
        for i in IMPORTS
        if _layer(i.target) > _layer(i.source)
    ]
    assert not upward, "\n".join(upward)


def test_data_never_imports_components_streamlit_or_the_cli():
    for module, path in SOURCES.items():
        if not module.startswith("oversight.data"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                assert not name.startswith(("streamlit", "oversight.components", "oversight.cli")), (
                    f"{module} imports {name}"
                )


@pytest.mark.parametrize("package", ["oversight.components.figures", "oversight.components.reports"])
def test_figures_and_reports_are_free_of_streamlit(package):
    for module, path in SOURCES.items():
        if module.startswith(package):
            assert "import streamlit" not in path.read_text(encoding="utf-8"), module


def test_components_write_no_sql():
    for module, path in SOURCES.items():
        if not module.startswith("oversight.components"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "store import schema" not in text and "select(" not in text, module
        for line in text.splitlines():
            if line.startswith("from sqlalchemy"):
                assert line.strip().endswith("import Engine"), f"{module}: {line}"


def test_pages_are_thin():
    for i in IMPORTS:
        if i.source.startswith("app.") and i.source != "app.app":
            assert i.target.startswith(("oversight.components.views", "oversight.components.widgets")), (
                f"{i.source} imports {i.target}"
            )
    for module, path in SOURCES.items():
        if module.startswith("app."):
            assert len(path.read_text(encoding="utf-8").splitlines()) <= 60, module


def test_views_do_not_import_each_other():
    for i in IMPORTS:
        if i.source.startswith("oversight.components.views") and i.target.startswith(
            "oversight.components.views"
        ):
            pytest.fail(f"{i.source} imports the view {i.target}: share it through a widget or figure")


def test_no_import_cycle():
    graph: dict[str, set[str]] = {m: set() for m in SOURCES}
    for i in IMPORTS:
        graph[i.source].add(i.target)
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    for source, targets in graph.items():
        graph[source] = {
            t for t in targets if not (SOURCES[source].name == "__init__.py" and t.startswith(source + "."))
        }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_function_level_imports_say_why():
    unexplained = [
        f"{i.source} (line {i.line}) imports {i.target} inside a function"
        for i in IMPORTS
        if i.in_function and not i.reason.startswith("# Lazy:")
    ]
    assert not unexplained, "\n".join(unexplained) + "\n(move it to the top, or say '# Lazy: why' above it)"
