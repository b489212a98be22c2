"""Browser fixtures: Playwright's sync API driving Debian's Chromium (never a downloaded one).

Fixtures: `browser` (one Chromium per session), `new_context` (a factory of French, Paris-time
contexts closed after the test), `page` (a page in a fresh desktop context) and `mobile_page`
(a phone-sized one). Helpers: `log_in(page, base_url, email, password)` and
`assert_no_axe_violations(page)`.

Chromium is found through the CHROMIUM_PATH environment variable, else /usr/bin/chromium. When
it is missing the browser tests are skipped, except when RIBAMBELLE_REQUIRE_BROWSER=1 (CI), where
they fail. When RIBAMBELLE_BROWSER_ARTIFACTS names a folder, a failing test leaves there a
screenshot and the HTML of each of its pages.

Every page a context shows is kept for the Nu HTML Checker (testing/html_checker.py): after each
load, after each htmx swap, and as it is when the test ends, in a session folder
(RIBAMBELLE_HTML_PAGES names one to keep; a temporary one otherwise). Tests marked
`html_validation` run after every other test.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ribambelle.testing.html_checker import PageArchive

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
MOBILE_VIEWPORT = {"width": 390, "height": 844}
# Playwright waits up to 30 s by default; a local server answers far sooner, so fail fast.
TIMEOUT_MS = 10_000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    resolved = candidate if os.path.isabs(candidate) else shutil.which(candidate)
    if resolved and os.path.isfile(resolved) and os.access(resolved, os.X_OK):
        return resolved
    return None


def _browser_required() -> bool:
    return os.environ.get("RIBAMBELLE_REQUIRE_BROWSER", "") == "1"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    executable = chromium_path()
    if executable is None:
        message = (
            f"Chromium not found at {os.environ.get('CHROMIUM_PATH') or DEFAULT_CHROMIUM} "
            "(set CHROMIUM_PATH or install Debian's chromium package)"
        )
        if _browser_required():
            pytest.fail(f"RIBAMBELLE_REQUIRE_BROWSER=1: {message}", pytrace=False)
        pytest.skip(message)
    # The sync API runs an asyncio loop in this thread, so Django refuses ORM calls from the
    # test body unless told that no coroutine is involved. Only set once a browser is used.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


# Hands each htmx swap's resulting document to the archive (Playwright's binding is not
# governed by the page's CSP). Loads are watched from Python, so pages without JavaScript count.
SERIALIZE = """() => document.contentType !== "text/html" ? null
  : (document.doctype ? new XMLSerializer().serializeToString(document.doctype) : "")
    + document.documentElement.outerHTML"""
SAVE_AFTER_SWAPS = f"""
if (window === window.top) {{
  document.addEventListener("htmx:afterSettle", () => setTimeout(() => {{
    const html = ({SERIALIZE})();
    if (html !== null) window.__ribambelleSavePage(location.href, html);
  }}, 0));
}}
"""


@pytest.fixture(scope="session")
def html_pages(tmp_path_factory) -> PageArchive:
    folder = os.environ.get("RIBAMBELLE_HTML_PAGES")
    return PageArchive(Path(folder) if folder else tmp_path_factory.mktemp("html-pages"))


def _save_page(archive: PageArchive, open_page, test: str) -> None:
    """The document as page.content() gives it, unless it is not HTML (a PDF shown inline)."""
    # The page may have navigated or closed meanwhile: its next load counts instead.
    with contextlib.suppress(Exception):
        html = open_page.evaluate(SERIALIZE)
        if html is not None:
            archive.save(open_page.url, html, test)


def _watch_pages(context, archive: PageArchive, test: str) -> None:
    context.expose_binding(
        "__ribambelleSavePage", lambda _source, url, html: archive.save(url, html, test)
    )
    context.add_init_script(SAVE_AFTER_SWAPS)

    def watch(open_page):
        open_page.on("load", lambda loaded: _save_page(archive, loaded, test))

    context.on("page", watch)


@pytest.fixture
def new_context(browser, request, html_pages) -> Iterator[Callable]:
    """Factory: new_context(**options) opens a context (French, Europe/Paris, desktop size
    unless overridden) that is closed, with its pages, after the test."""
    contexts = []

    def factory(**options):
        settings = {
            "locale": "fr-FR",
            "timezone_id": "Europe/Paris",
            "viewport": DESKTOP_VIEWPORT,
            **options,
        }
        context = browser.new_context(**settings)
        _watch_pages(context, html_pages, request.node.nodeid)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield factory
    report = getattr(request.node, "rep_call", None)
    folder = os.environ.get("RIBAMBELLE_BROWSER_ARTIFACTS")
    if folder and report is not None and report.failed:
        _save_artifacts(Path(folder), request.node.nodeid, contexts)
    for context in contexts:
        for open_page in context.pages:
            _save_page(html_pages, open_page, request.node.nodeid)
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def mobile_page(new_context):
    return new_context(viewport=MOBILE_VIEWPORT, is_mobile=True, has_touch=True).new_page()


def _save_artifacts(folder: Path, nodeid: str, contexts) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", nodeid)
    for c_index, context in enumerate(contexts):
        for p_index, open_page in enumerate(context.pages):
            name = f"{stem}-{c_index}-{p_index}"
            try:
                open_page.screenshot(path=folder / f"{name}.png", full_page=True)
                (folder / f"{name}.html").write_text(open_page.content(), encoding="utf-8")
            except Exception:  # noqa: S112 - best effort: the test already failed
                continue


BROWSER_TESTS = pytest.StashKey[int]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked html_validation check what the others saw: they run last. After -k and
    -m have deselected, so that the count is of browser tests that will run."""
    items.sort(key=lambda item: item.get_closest_marker("html_validation") is not None)
    config.stash[BROWSER_TESTS] = sum(1 for item in items if item.get_closest_marker("browser"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def log_in(page, base_url: str, email: str, password: str, *, slug: str = "ville-a") -> None:
    """Sign in through the login form (opening it unless the page already shows it)."""
    if f"/{slug}/connexion/" not in page.url:
        page.goto(f"{base_url}/{slug}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    # The form posts and the answer navigates (home, the next page, or the form with its
    # errors): wait for it, so that a goto right after cannot cut the login short.
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


def assert_no_axe_violations(page, *, context=None, tags=AXE_TAGS, disable=()) -> None:
    """Run axe-core (shipped in axe-playwright-python, no CDN) on the page as it is now and fail
    with each violation: rule, impact, help and the nodes it was found on.

    Playwright evaluates the script through the DevTools protocol, which the page's CSP does not
    govern: no bypass_csp is needed (tests/test_browser asserts that the CSP is still on)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    results = Axe().run(page, context=context, options=options)
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"{len(violations)} accessibility violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {node.get('html', '')[:200]}  {summary}")
    pytest.fail("\n".join(lines), pytrace=False)
