"""The focus indicator as Chromium draws it: each element reached with the Tab key, on the login
page, a parent's home page and the staff dashboard, gets a ring at 3:1 or more against what
surrounds it, and a ring or halo at 3:1 or more against the element itself (WCAG 1.4.11)."""

import re

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.portal.tests.test_focus_contrast import contrast
from ribambelle.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 40
FOCUSED = """() => {
  const element = document.activeElement;
  const layers = (node) => {
    const found = [];
    for (; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      found.push(colour);
      if (/^rgb\\(/.test(colour)) break;
    }
    return found;
  };
  const style = getComputedStyle(element);
  const name = (element.innerText || element.value || element.getAttribute("aria-label")
    || element.name || "").trim().split("\\n")[0];
  return {
    tag: element.tagName.toLowerCase(),
    classes: element.className,
    inHeader: !!element.closest(".site-header"),
    inNav: !!element.closest(".main-nav"),
    name,
    focusVisible: element.matches(":focus-visible"),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    outline: style.outlineColor,
    halo: style.boxShadow,
    own: layers(element),
    around: layers(element.parentElement),
  };
}"""


def rgba(text: str) -> tuple[float, float, float, float] | None:
    match = re.search(r"rgba?\(([^)]*)\)", text or "")
    if match is None:
        return None
    values = [float(part) for part in re.split(r"[,\s/]+", match.group(1).strip()) if part]
    return (values[0], values[1], values[2], values[3] if len(values) == 4 else 1.0)


def flatten(layers: list[str]) -> tuple[float, float, float]:
    """The colour seen through the layers (innermost first) over a white canvas."""
    colour = (255.0, 255.0, 255.0)
    for layer in reversed(layers):
        red, green, blue, alpha = rgba(layer) or (0, 0, 0, 0)
        colour = tuple(
            alpha * value + (1 - alpha) * below
            for value, below in zip((red, green, blue), colour, strict=True)
        )
    return colour


def check_focus_ring(focused: dict) -> list[str]:
    label = f"{focused['tag']}.{focused['classes']} « {focused['name'][:40]} »"
    if focused["outlineStyle"] == "none" or focused["outlineWidth"] < 2:
        return [f"{label}: no visible outline"]
    ring = rgba(focused["outline"])[:3]
    halo = rgba(focused["halo"])
    around, own = flatten(focused["around"]), flatten(focused["own"])
    problems = []
    if contrast(ring, around) < 3:
        problems.append(f"{label}: ring {ring} on {around}: {contrast(ring, around):.2f}:1")
    on_element = max(contrast(ring, own), contrast(halo[:3], own) if halo else 0.0)
    if on_element < 3:
        problems.append(f"{label}: indicator on the element {own}: {on_element:.2f}:1")
    if halo and contrast(ring, halo[:3]) < 3:
        problems.append(f"{label}: ring and halo too close: {contrast(ring, halo[:3]):.2f}:1")
    return problems


def tab_through(page) -> list[dict]:
    """Every element the Tab key reaches, from the top of the page, once each."""
    page.evaluate(
        """() => {
            document.body.tabIndex = -1;
            document.body.focus();
            document.body.removeAttribute("tabindex");
        }"""
    )
    seen, reached = set(), []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        key = (focused["tag"], focused["classes"], focused["name"])
        if focused["tag"] == "body" or key in seen:
            break
        seen.add(key)
        reached.append(focused)
    return reached


def assert_focus_rings(page) -> list[dict]:
    reached = tab_through(page)
    assert reached, f"nothing reached with Tab on {page.url}"
    problems = [problem for focused in reached for problem in check_focus_ring(focused)]
    assert all(focused["focusVisible"] for focused in reached)
    assert not problems, f"on {page.url}:\n" + "\n".join(problems)
    return reached


def test_focus_ring_on_login_home_and_staff_pages(page, live_server, alice, household_a, agent_a):
    page.goto(f"{live_server.url}/ville-a/connexion/")
    reached = assert_focus_rings(page)
    assert any(item["tag"] == "input" for item in reached)
    assert any("button--primary" in item["classes"] for item in reached)
    assert any(item["inHeader"] and item["tag"] == "a" for item in reached)

    log_in(page, live_server.url, alice.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    reached = assert_focus_rings(page)
    assert any(item["inNav"] for item in reached)
    assert any(item["inHeader"] and item["tag"] == "button" for item in reached)
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, live_server.url, agent_a.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Tableau de bord")).to_be_visible()
    reached = assert_focus_rings(page)
    assert any(item["inNav"] for item in reached)


def test_the_check_finds_a_faint_ring(page, live_server, municipality_a):
    """The former amber ring (2.0:1 on white) is reported."""
    page.goto(f"{live_server.url}/ville-a/connexion/")
    page.evaluate("() => document.documentElement.style.setProperty('--focus-ring', '#f2a900')")
    with pytest.raises(AssertionError, match="ring"):
        assert_focus_rings(page)
