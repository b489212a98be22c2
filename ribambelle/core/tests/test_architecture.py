"""The import graph of DESIGN.md's layout (docs/decisions/0011): dependencies point down.

Read with `ast` from the source files, never imported: an import inside a function counts as much
as one at the top, and a module named by a dotted string (`include(...)`, `import_module(...)`,
`ROOT_URLCONF`) counts as imported. The shipped code is checked, tests and migrations included for
the views rule; the layering leaves tests out, since a test may build whatever world it needs.

The rules are data: a new app takes its place in CHAIN, BESIDE or ABOVE_DOMAIN, or the test fails
until it does."""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = PACKAGE_ROOT.name

# Small shared pieces (money, dates, audit log, files): knows no other app.
BASE = "core"
# The domain, bottom to top: each app may import those before it, never those after. debits
# and treasury do not exist yet; billing must not import them once they do (they read billing,
# or register a hook or a selector that billing asks).
CHAIN = ["tenants", "accounts", "families", "bookings", "billing", "debits", "treasury"]
# Apps at the level of an app of the chain: they may import what it may import, not it.
BESIDE = {"documents": "billing", "messaging": "billing"}
# The shells: every domain app, not each other.
ABOVE_DOMAIN = ["portal", "backoffice"]
# Demo and benchmark data: everything; nothing imports it.
TOP = "demo"


def allowed_imports() -> dict[str, set[str]]:
    """For each app, the other apps it may import."""
    allowed = {BASE: set()}
    for index, app in enumerate(CHAIN):
        allowed[app] = {BASE, *CHAIN[:index]}
    for app, level in BESIDE.items():
        allowed[app] = set(allowed[level])
    domain = {BASE, *CHAIN, *BESIDE}
    for app in ABOVE_DOMAIN:
        allowed[app] = set(domain)
    allowed[TOP] = {*domain, *ABOVE_DOMAIN}
    return allowed


@dataclass(frozen=True)
class Import:
    path: Path  # relative to the package root
    line: int
    target: str  # dotted module or module.name


def module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root: Path, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module_name(root, path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    dotted = re.compile(rf"^{re.escape(root.name)}(\.\w+)+$")
    relative = path.relative_to(root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(relative, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            found += [Import(relative, node.lineno, f"{source}.{a.name}") for a in node.names]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and dotted.match(node.value)
        ):
            found.append(Import(relative, node.lineno, node.value))
    return found


def app_of(relative: Path) -> str | None:
    """The app a file belongs to; None for the project's own modules (settings, urls...)."""
    return relative.parts[0] if len(relative.parts) > 1 else None


def is_test(relative: Path) -> bool:
    return (
        "tests" in relative.parts
        or relative.name == "conftest.py"
        or relative.parts[0] == "testing"
    )


def apps_in(root: Path) -> set[str]:
    return {path.parent.name for path in root.glob("*/apps.py")}


def violations(root: Path) -> list[str]:
    """Every import that breaks the layout, as 'path:line: message'."""
    allowed = allowed_imports()
    apps = apps_in(root)
    problems = [
        f"{app}/apps.py: app {app!r} has no place in the layers of {Path(__file__).name}"
        for app in sorted(apps - allowed.keys())
    ]
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        source = app_of(relative)
        for found in imports_of(root, path):
            parts = found.target.split(".")
            if parts[0] != root.name or len(parts) < 2 or parts[1] not in apps:
                continue
            target = parts[1]
            where = f"{relative}:{found.line}: {found.target}"
            if source is not None and target != source and "views" in parts[2:3]:
                problems.append(f"{where}: imports the views of {target!r}")
            if source is None or target == source or is_test(relative):
                continue
            if source in allowed and target not in allowed[source]:
                problems.append(f"{where}: {source!r} may not import {target!r}")
    return problems


def test_the_code_follows_the_layout():
    assert violations(PACKAGE_ROOT) == []


def test_the_real_tree_is_read():
    """Guards against a checker that reads nothing and so finds nothing."""
    edges = {
        (app_of(found.path), found.target.split(".")[1])
        for path in PACKAGE_ROOT.rglob("*.py")
        for found in imports_of(PACKAGE_ROOT, path)
        if found.target.startswith(f"{PACKAGE}.")
    }
    assert {("billing", "bookings"), ("demo", "billing"), ("portal", "documents")} <= edges
    assert {BASE, "tenants", "billing", "documents", "portal", TOP} <= apps_in(PACKAGE_ROOT)


# The checker itself, on small trees: each rule fires, and only where it should.


def write_tree(root: Path, files: dict[str, str]) -> Path:
    package = root / PACKAGE
    for app in [BASE, *CHAIN[:5], *BESIDE, *ABOVE_DOMAIN, TOP]:
        (package / app).mkdir(parents=True, exist_ok=True)
        (package / app / "__init__.py").write_text("")
        (package / app / "apps.py").write_text("")
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    return package


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("core/audit.py", "from ribambelle.accounts.models import User\n", "'core' may not import"),
        (
            "core/files.py",
            "def f():\n    import ribambelle.families.selectors\n",
            "'core' may not import 'families'",
        ),
        ("families/rules.py", "from ribambelle.portal import navigation\n", "'portal'"),
        ("billing/views.py", "from ribambelle.backoffice.forms import F\n", "'backoffice'"),
        ("tenants/services.py", "from ribambelle.demo import seeding\n", "'demo'"),
        ("tenants/admin.py", "from ribambelle.accounts.models import User\n", "'accounts'"),
        ("bookings/selectors.py", "from ribambelle.billing import rules\n", "'billing'"),
        ("documents/services.py", "from ribambelle.billing import selectors\n", "'billing'"),
        ("billing/services.py", "from ribambelle.debits import hooks\n", None),
        ("portal/views.py", "from ribambelle.backoffice import selectors\n", "'backoffice'"),
        ("core/urls.py", 'URLS = "ribambelle.messaging.urls"\n', "'messaging'"),
        (
            "documents/views.py",
            "from ribambelle.families.views.documents import serve\n",
            "imports the views of 'families'",
        ),
        (
            "backoffice/views.py",
            "from ribambelle.billing import views\n",
            "imports the views of 'billing'",
        ),
        (
            "demo/tests/test_x.py",
            "from ribambelle.billing.views.staff import x\n",
            "imports the views of 'billing'",
        ),
    ],
)
def test_each_rule_fires(tmp_path, name, text, message):
    package = write_tree(tmp_path, {name: text})
    if message is None:  # debits is declared above billing but does not exist in this tree
        (package / "debits").mkdir()
        (package / "debits" / "apps.py").write_text("")
        message = "'billing' may not import 'debits'"
    found = violations(package)
    assert len(found) == 1 and message in found[0], found
    assert found[0].startswith(f"{name}:")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("families/services.py", "from ribambelle.accounts.models import User\n"),
        ("billing/selectors.py", "from ribambelle.bookings import selectors\n"),
        ("documents/selectors.py", "from ribambelle.bookings.selectors import booked\n"),
        ("portal/views.py", "from ribambelle.billing import selectors\n"),
        ("backoffice/views.py", "from ribambelle.messaging.selectors import inbox\n"),
        ("demo/seeding.py", "from ribambelle.portal import navigation\n"),
        ("families/urls.py", "from ribambelle.families.views import portal\n"),
        ("families/views/staff.py", "from .portal import block\nfrom . import documents\n"),
        ("core/tests/test_x.py", "from ribambelle.billing.models import Invoice\n"),
        ("urls.py", "from ribambelle.tenants import views\nX = 'ribambelle.portal.urls'\n"),
        ("core/emails.py", 'HOST = "ribambelle.invalid"\n'),
    ],
)
def test_what_the_layout_allows_passes(tmp_path, name, text):
    assert violations(write_tree(tmp_path, {name: text})) == []


def test_a_new_app_must_take_its_place(tmp_path):
    package = write_tree(tmp_path, {"payroll/apps.py": ""})
    assert violations(package) == [
        f"payroll/apps.py: app 'payroll' has no place in the layers of {Path(__file__).name}"
    ]


def test_relative_imports_are_resolved(tmp_path):
    package = write_tree(tmp_path, {"core/sub/mod.py": "from ...billing import services\n"})
    assert violations(package) == [
        "core/sub/mod.py:1: ribambelle.billing.services: 'core' may not import 'billing'"
    ]
