"""The user guide describes every page and every command; the statement pages render."""

from __future__ import annotations

import ast

import pytest
from streamlit.testing.v1 import AppTest

from oversight import cli
from oversight.components.views import guide
from tests.conftest import ROOT


def _pages() -> list[tuple[str, str]]:
    """(title, url path) of every page the router registers, read from app.py itself."""
    tree = ast.parse((ROOT / "app.py").read_text())
    pages = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            pages.append((kw["title"], kw["url_path"]))
    return pages


def _commands() -> list[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return list(sub.choices)


def test_every_page_is_in_the_guide():
    text = guide.text("user_guide")
    pages = _pages()
    assert len(pages) == 8
    for title, url_path in pages:
        assert f"### {title}" in text or f"({title})" in text or title in text, title
        link = "/" if url_path == "map" else f"/{url_path}"
        assert f"(`{link}" in text or f"`{link}`" in text, url_path


def test_every_command_is_in_the_guide():
    text = guide.text("user_guide")
    for command in _commands():
        assert f"`oversight {command}`" in text, command


def test_statement_names_the_standard_and_the_audit():
    text = " ".join(guide.text("accessibility").split())
    assert (
        "WCAG 2.1" in text
        and "2.1 AA standard" in text
        and "axe-core" in text
        and "Enforcement procedure" in text
    )


@pytest.mark.parametrize(
    ("page", "title"),
    [
        ("pages/user_guide.py", "User guide"),
        ("pages/accessibility_statement.py", "Accessibility statement"),
    ],
)
def test_pages_render(monkeypatch, loaded_sqlite_url, page, title):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(page)
    at.run()
    assert not at.exception
    assert at.title[0].value == title
    assert any(len(m.value) > 1000 for m in at.markdown)
