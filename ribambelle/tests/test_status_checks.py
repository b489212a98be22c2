"""A test that gets a page checks what the page shows, not only that it answered 200: a page
that renders the wrong household, an empty list or an error message in a 200 passes a status
check (issue 11)."""

import ast
from pathlib import Path

import ribambelle

ROOT = Path(ribambelle.__file__).parent


def is_ok_status_check(test: ast.expr) -> bool:
    """`<something>.status_code == 200`."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Attribute)
        and test.left.attr == "status_code"
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == 200
    )


def status_only_tests(source: str) -> list[str]:
    """Test functions whose assertions are all about status codes, one of them a 200."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test"):
            continue
        checks = [item.test for item in ast.walk(node) if isinstance(item, ast.Assert)]
        if any(is_ok_status_check(check) for check in checks) and all(
            "status_code" in ast.unparse(check) for check in checks
        ):
            found.append(node.name)
    return found


def test_no_test_only_checks_that_a_page_answered_200():
    offenders = [
        f"{path.relative_to(ROOT)}::{name}"
        for path in sorted(ROOT.rglob("test_*.py"))
        for name in status_only_tests(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_tells_a_status_only_test_from_one_that_reads_the_page():
    source = """
def test_status_only(client):
    assert client.get("/").status_code == 200
    assert client.get("/autre/").status_code == 404

def test_reads_the_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Bonjour Alice" in response.content.decode()

def test_no_page(client):
    assert client.get("/").status_code == 404
"""
    assert status_only_tests(source) == ["test_status_only"]
