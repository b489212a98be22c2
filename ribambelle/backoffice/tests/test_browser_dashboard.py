"""The staff shell in Chromium: a manager's menu (the longest) fits at 1280 x 900 without any
entry cut off or scrolled out of view, the page does not scroll sideways, and the dashboard's
"À traiter" block leads to the filtered lists. axe-core on the dashboard."""

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every element of the menu inside the menu's box and the viewport, nothing scrolled inside it.
OVERFLOWS = """() => {
  const nav = document.querySelector('nav.main-nav');
  const box = nav.getBoundingClientRect();
  const problems = [];
  for (const element of [nav, ...nav.querySelectorAll('*')]) {
    const rect = element.getBoundingClientRect();
    const name = element.tagName + ' ' + (element.textContent || '').trim().slice(0, 30);
    if (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0) {
      problems.push('scrolls: ' + name);
    }
    if (rect.left < box.left - 1 || rect.right > box.right + 1) {
      problems.push('outside the menu: ' + name);
    }
    if (rect.left < 0 || rect.right > window.innerWidth) {
      problems.push('outside the window: ' + name);
    }
  }
  return {
    problems,
    entries: nav.querySelectorAll('a').length,
    documentWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  };
}"""


def test_the_managers_menu_fits_at_1280_pixels(page, live_server, manager_a, department_a):
    log_in(page, live_server.url, manager_a.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    assert page.viewport_size == {"width": 1280, "height": 900}
    measured = page.evaluate(OVERFLOWS)
    assert measured["entries"] == 14  # every staff entry and the two managers' ones
    assert measured["problems"] == []
    assert measured["documentWidth"] <= measured["viewport"]
    for name in ("Tableau de bord", "Messagerie", "Journal", "Réglages"):
        expect(
            page.get_by_role("navigation", name="Menu principal").get_by_role(
                "link", name=name, exact=True
            )
        ).to_be_in_viewport()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Trop-perçus à rembourser").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trop-perçus")
    assert_no_axe_violations(page)
