"""Size limits of the code (issue 11): no module over 500 lines outside tests and migrations,
no function over 40 lines in a views module. A module that size is several things at once; a
view that long does work that belongs to a form, a service, a selector or a presenter.

The offenders known when the limits were set are listed below with the branch that splits
them. An entry that no longer offends fails the test too, so that the lists only shrink:
remove it when its module or view is fixed."""

import ast
from pathlib import Path

import ribambelle

ROOT = Path(ribambelle.__file__).parent
MAX_MODULE_LINES = 500
MAX_VIEW_LINES = 40

# Offenders allowed for now: empty since the refactor of issue 11. An entry would say who shrinks
# it; the tests fail when an entry stops offending, so the lists only shrink.
KNOWN_LONG_MODULES: set[str] = set()

KNOWN_LONG_VIEWS: set[str] = set()


def source_modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or path.name.startswith("test_"):
            continue
        if path.name == "conftest.py":
            continue
        yield path


def is_views_module(path: Path) -> bool:
    return path.name == "views.py" or path.parent.name == "views"


def functions_of(tree: ast.Module):
    """Module functions and methods of module classes, with their qualified names."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{node.name}.{item.name}", item


def long_modules() -> dict[str, int]:
    found = {}
    for path in source_modules():
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_MODULE_LINES:
            found[path.relative_to(ROOT).as_posix()] = count
    return found


def long_views() -> dict[str, int]:
    """Lines from `def` to the last line of the body, decorators left out."""
    found = {}
    for path in source_modules():
        if not is_views_module(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, node in functions_of(tree):
            count = node.end_lineno - node.lineno + 1
            if count > MAX_VIEW_LINES:
                found[f"{path.relative_to(ROOT).as_posix()}::{name}"] = count
    return found


def report(found: dict[str, int], known: set[str], limit: int) -> list[str]:
    problems = [
        f"{name}: {count} lines (limit {limit})"
        for name, count in sorted(found.items())
        if name not in known
    ]
    problems += [
        f"{name}: no longer over {limit} lines, remove it from the known list"
        for name in sorted(known - found.keys())
    ]
    return problems


def test_no_module_over_500_lines_outside_tests_and_migrations():
    assert report(long_modules(), KNOWN_LONG_MODULES, MAX_MODULE_LINES) == []


def test_no_view_function_over_40_lines():
    assert report(long_views(), KNOWN_LONG_VIEWS, MAX_VIEW_LINES) == []


def test_the_checks_see_what_they_measure(tmp_path):
    """The limits are measured on real code: a views module of the project is found, and a
    function just over the limit is counted as such."""
    assert any(is_views_module(path) for path in source_modules())
    body = "\n".join(f"    x = {n}" for n in range(MAX_VIEW_LINES))
    tree = ast.parse(f"@decorated\ndef view(request):\n{body}\n")
    [(name, node)] = list(functions_of(tree))
    assert name == "view" and node.end_lineno - node.lineno + 1 == MAX_VIEW_LINES + 1
