"""The installable portal in Chromium: the service worker installs, a cut network shows the
offline page (never a stale record), CacheStorage holds no authenticated URL, and Chromium
reports no installability error."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import CHROMIUM_ARGS, TIMEOUT_MS, chromium_path, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The worker's scope once it is active; fails after 20 s (instead of waiting for ever) with the
# registrations' states.
WAIT_FOR_WORKER = """async () => {
  const late = new Promise(resolve => setTimeout(async () => {
    const states = (await navigator.serviceWorker.getRegistrations()).map(r =>
      [r.scope, r.installing && r.installing.state, r.active && r.active.state]);
    resolve("no active worker after 20 s: " + JSON.stringify(states));
  }, 20000));
  return Promise.race([navigator.serviceWorker.ready.then(r => r.scope), late]);
}"""
CONTROLLED = "() => Boolean(navigator.serviceWorker.controller)"

CACHED_ENTRIES = """async () => {
  const entries = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      entries.push({ cache: name, url: request.url, body: await response.clone().text() });
    }
  }
  return entries;
}"""


def installed(page, base_url: str) -> None:
    log_in(page, base_url, "alice@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Bonjour Alice")).to_be_visible()
    assert page.evaluate(WAIT_FOR_WORKER) == f"{base_url}/ville-a/"
    if not page.evaluate(CONTROLLED):
        # A page loaded while the worker was activating is not claimed; the next load is.
        page.reload()
    assert page.evaluate(CONTROLLED)


def test_offline_family_page_shows_the_offline_page_never_a_stale_record(
    new_context, live_server, alice, child_a
):
    context = new_context()
    page = context.new_page()
    installed(page, live_server.url)
    record = f"{live_server.url}/ville-a/enfants/"
    page.goto(record)
    expect(page.get_by_text("Léa").first).to_be_visible()
    context.set_offline(True)
    page.goto(record)
    expect(page.get_by_role("heading", name="Vous êtes hors ligne")).to_be_visible()
    assert "Léa" not in page.content()
    assert "Se déconnecter" not in page.content()
    context.set_offline(False)
    page.reload()
    expect(page.get_by_text("Léa").first).to_be_visible()


def test_cache_storage_holds_no_authenticated_url(new_context, live_server, alice, child_a):
    page = new_context().new_page()
    installed(page, live_server.url)
    for path in ("/ville-a/enfants/", "/ville-a/compte/", "/ville-a/"):
        page.goto(f"{live_server.url}{path}")
    entries = page.evaluate(CACHED_ENTRIES)
    paths = {urlsplit(entry["url"]).path for entry in entries}
    assert "/ville-a/hors-ligne/" in paths
    assert any(path.startswith("/static/") for path in paths)
    assert all(path.startswith("/static/") or path == "/ville-a/hors-ligne/" for path in paths)
    offline = next(entry for entry in entries if entry["url"].endswith("/hors-ligne/"))
    for personal in ("alice", "Alice", "Léa", "Se déconnecter"):
        assert personal not in offline["body"]


def test_chromium_reports_the_portal_installable(browser, live_server, alice, tmp_path):
    """Installability needs a profile that is not off the record, which Playwright's contexts
    are: a persistent context on a temporary profile."""
    assert chromium_path() is not None
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile",
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        headless=True,
        locale="fr-FR",
    )
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        session = context.new_cdp_session(page)
        # The check sees a page without a manifest (the platform's root page) as not installable.
        page.goto(f"{live_server.url}/")
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert "no-manifest" in {error["errorId"] for error in errors}
        installed(page, live_server.url)
        manifest = session.send("Page.getAppManifest")
        assert manifest["url"] == f"{live_server.url}/ville-a/manifest.webmanifest"
        assert manifest.get("errors") == []
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
    finally:
        context.close()
