"""The family portal on phones, in Chromium: at 320 x 640, 360 x 740 and 390 x 844 no family
page scrolls sideways and every entry of the main menu is on screen or one tap away (behind
"Plus"); the staff shell does the same at 1024 and 1280 px. axe-core finds no violation on
any family page at 360 px. Screenshots of the main pages at 390 px are written as artefacts:
into RIBAMBELLE_SCREENSHOTS when it names a folder, else a temporary folder (its path is
printed); docs/screenshots/ holds copies."""

import datetime
import gzip
import os
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from ribambelle.billing.models import BillingOffice
from ribambelle.billing.tests.factories import (
    BillingOfficeFactory,
    InvoiceFactory,
    InvoiceLineFactory,
)
from ribambelle.bookings.models import Activity
from ribambelle.bookings.rules import PARIS
from ribambelle.bookings.tests.factories import MONDAY, ActivityFactory
from ribambelle.conftest import PASSWORD
from ribambelle.documents.tests.factories import CategoryFactory, DocumentFactory
from ribambelle.families.tests.factories import ChildFactory
from ribambelle.messaging.tests.factories import ConversationFactory, MessageFactory
from ribambelle.portal.navigation import PORTAL_NAV
from ribambelle.tenants.tests.factories import DepartmentFactory
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONES = [(320, 640), (360, 740), (390, 844)]
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
FAMILY_LABELS = [str(label) for _name, label in PORTAL_NAV]
STAFF_LABELS = ["Tableau de bord", "Familles", "Facturation", "Messagerie", "Journal", "Réglages"]


@pytest.fixture
def frozen():
    """Monday 23 November 2026, 09:00 in Paris, as in the booking tests."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def family(frozen, municipality_a, department_a, household_a, child_a):
    """A household with two children, two activities, an invoice, a published document and a
    conversation: every family page has something to show."""
    ChildFactory(
        household=household_a,
        first_name="Noé",
        last_name="Martin",
        birth_date=datetime.date(2020, 6, 1),
    )
    canteen = ActivityFactory(
        municipality=municipality_a, department=department_a, name="Restauration scolaire"
    )
    evening = DepartmentFactory(municipality=municipality_a, name="Périscolaire")
    ActivityFactory(
        municipality=municipality_a,
        department=evening,
        name="Garderie du soir",
        unit=Activity.Unit.SESSION,
    )
    office = BillingOfficeFactory(
        municipality=municipality_a,
        name="Régie enfance",
        departments=[department_a],
        provider=BillingOffice.Provider.DEMO,
        provider_options={"demo_enabled": True},
    )
    invoice = InvoiceFactory(
        office=office,
        household=household_a,
        number="F-2026-000001",
        issued_on=datetime.date(2026, 11, 2),
        due_on=datetime.date(2026, 12, 2),
        household_address="1 rue des Écoles\n69001 Lyon",
    )
    InvoiceLineFactory(invoice=invoice, child=child_a, unit_price=Decimal("3.80"))
    category = CategoryFactory(municipality=municipality_a, name="Menus")
    DocumentFactory(category=category, title="Menu de décembre")
    conversation = ConversationFactory(
        household=household_a, department=department_a, subject="Menu sans porc"
    )
    MessageFactory(conversation=conversation, body_html="<p>Bonjour, un menu sans porc ?</p>")
    return {
        "child": child_a,
        "canteen": canteen,
        "invoice": invoice,
        "category": category,
        "conversation": conversation,
        "department": department_a,
    }


def family_pages(family) -> list[tuple[str, str]]:
    """(name, path) of every page a signed-in parent can open, the main ones first."""
    child = family["child"].pk
    return [
        ("accueil", ""),
        ("reservations", f"reservations/?semaine={MONDAY}"),
        ("factures", "factures/"),
        ("facture", f"factures/{family['invoice'].pk}/"),
        ("documents", "documents/"),
        ("messagerie", "messagerie/"),
        ("conversation", f"messagerie/{family['conversation'].pk}/"),
        ("foyer", "foyer/"),
        ("enfant", f"enfants/{child}/"),
        ("enfants", "enfants/"),
        ("documents-categorie", f"documents/{family['category'].pk}/"),
        ("ecrire", f"messagerie/ecrire/{family['department'].pk}/"),
        ("dossier-modifier", f"dossier/child/{child}/child.health/modifier/"),
        ("personne-ajouter", f"enfants/{child}/personnes/ajouter/"),
        ("foyer-document", "foyer/documents/ajouter/"),
        ("reservations-masse", "reservations/en-masse/"),
        ("agenda", "reservations/calendrier/"),
        ("compte", "compte/"),
        ("mot-de-passe", "compte/mot-de-passe/"),
        ("adresse-e-mail", "compte/adresse-e-mail/"),
        ("notifications", "compte/notifications/"),
    ]


SCREENSHOTS = {"accueil", "reservations", "factures", "facture", "documents", "messagerie", "foyer"}


WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter(
    (element) => element.getBoundingClientRect().right > limit + 0.5);
  return [document.documentElement.scrollWidth, limit,
          wide.slice(-3).map((element) => element.tagName + "." + element.className)];
}"""


def sideways_scroll(page) -> str:
    """Empty when the document is no wider than the screen, else what sticks out."""
    width, limit, wide = page.evaluate(WIDEST)
    return "" if width <= limit else f"{page.url}: {width} > {limit} px ({', '.join(wide)})"


def assert_no_sideways_scroll(page) -> None:
    problem = sideways_scroll(page)
    assert not problem, problem


def assert_on_screen(page, locator, label: str) -> None:
    """The element is drawn inside the viewport, not beyond its right edge."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, (
        f"{label!r} is off screen on {page.url}: {box}"
    )
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 0.5, (
        f"{label!r} is below or above the screen on {page.url}: {box}"
    )


def assert_menu_reachable(page, labels: list[str]) -> None:
    """Each entry is on screen, or on screen after one tap on "Plus" (which then closes)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    navigation = page.get_by_role("navigation", name="Menu principal")
    for label in labels:
        link = navigation.get_by_role("link", name=label, exact=True)
        if link.count() == 1 and link.is_visible():
            assert_on_screen(page, link, label)
            continue
        more = navigation.locator("summary", has_text="Plus")
        assert_on_screen(page, more, "Plus")
        more.click()
        assert_on_screen(page, link, label)
        more.click()
        expect(link).to_be_hidden()


def screenshot_folder(tmp_path_factory) -> Path:
    folder = os.environ.get("RIBAMBELLE_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize(("width", "height"), PHONES, ids=[f"{w}x{h}" for w, h in PHONES])
def test_family_pages_fit_a_phone(new_context, live_server, alice, family, width, height, capsys):
    page = new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True
    ).new_page()
    for path in ("connexion/", "premiere-connexion/", "inscription/"):
        page.goto(f"{live_server.url}/ville-a/{path}")
        assert_no_sideways_scroll(page)
    log_in(page, live_server.url, alice.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Bonjour Alice")).to_be_visible()
    problems = []
    for _name, path in family_pages(family):
        page.goto(f"{live_server.url}/ville-a/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        problems.append(sideways_scroll(page))
        if problems[-1]:
            continue  # a page wider than the screen is zoomed out: reported below
        assert_menu_reachable(page, FAMILY_LABELS)
        account = page.locator(".account-menu").get_by_role("link", name="Mon compte")
        assert_on_screen(page, account, "Mon compte")
    # The mass booking's steps and its result.
    page.goto(f"{live_server.url}/ville-a/reservations/en-masse/")
    page.get_by_label("Restauration scolaire (Restauration scolaire)").check()
    page.get_by_role("button", name="Suivant").click()
    # Each step is measured once it is shown (measuring while the next page loads fails).
    expect(page.get_by_label("Léa")).to_be_visible()
    problems.append(sideways_scroll(page))
    page.get_by_label("Léa").check()
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_label("Du", exact=True)).to_be_visible()
    problems.append(sideways_scroll(page))
    page.get_by_label("Du", exact=True).fill("2026-11-30")
    page.get_by_label("Au", exact=True).fill("2026-12-11")
    page.get_by_role("button", name="Réserver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Résultat de la réservation en masse")
    problems.append(sideways_scroll(page))
    assert not any(problems), "\n".join(problem for problem in problems if problem)


@pytest.mark.parametrize("width", [360, 1280])
def test_family_pages_pass_axe(new_context, live_server, alice, family, width):
    phone = width < 1024
    page = new_context(
        viewport={"width": width, "height": 740 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
    ).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Bonjour Alice")).to_be_visible()
    for _name, path in family_pages(family):
        page.goto(f"{live_server.url}/ville-a/{path}")
        assert_no_axe_violations(page)
    if phone:  # the menu opened, too
        page.get_by_role("navigation", name="Menu principal").locator("summary").click()
        assert_no_axe_violations(page)


def test_screenshots_at_390(new_context, live_server, alice, family, tmp_path_factory):
    page = new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Bonjour Alice")).to_be_visible()
    folder = screenshot_folder(tmp_path_factory)
    written = []
    for name, path in family_pages(family):
        if name not in SCREENSHOTS:
            continue
        page.goto(f"{live_server.url}/ville-a/{path}")
        target = folder / f"telephone-{name}.png"
        page.screenshot(path=target)
        assert target.stat().st_size > 1000
        written.append(target)
    page.goto(f"{live_server.url}/ville-a/")
    page.get_by_role("navigation", name="Menu principal").locator("summary").click()
    page.screenshot(path=folder / "telephone-menu-plus.png")
    print(f"\nScreenshots at 390 px: {folder}")
    assert len(written) == len(SCREENSHOTS)


@pytest.mark.parametrize(("width", "height"), PHONES, ids=[f"{w}x{h}" for w, h in PHONES])
def test_first_bookable_cell_on_the_first_screen(
    new_context, live_server, alice, family, width, height
):
    """With the menu at the bottom, the first box that can be ticked is fully above the menu
    bar without scrolling, and each state reads without hover."""
    page = new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True
    ).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/reservations/?semaine={MONDAY}")
    first = page.locator("label.cell__box").first
    box = first.bounding_box()
    bar = page.get_by_role("navigation", name="Menu principal").bounding_box()
    assert box is not None and bar is not None
    assert box["y"] + box["height"] <= bar["y"], (box, bar)
    monday = page.locator(f"#case-{family['child'].pk}-{family['canteen'].pk}-20261123")
    cell = page.locator("td", has=monday)
    expect(cell).to_contain_text("Délai dépassé")
    expect(cell.locator(".cell__reason")).to_be_visible()
    expect(cell.locator(".cell__day")).to_be_visible()
    # A week of a child fits without scrolling sideways.
    for day in page.locator(f"#enfant-{family['child'].pk} td").all():
        right = day.bounding_box()
        assert right is not None and right["x"] + right["width"] <= width

    # Ticking a box far down the page keeps the page where it is and announces the result.
    friday = page.get_by_role("checkbox", name="Noé, Restauration scolaire, vendredi 27 novembre")
    friday.focus()
    assert page.evaluate("() => window.scrollY") > 0
    before = friday.bounding_box()
    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_contain_text("1 jour réservé")
    expect(friday).to_be_checked()
    expect(friday).to_be_focused()
    after = friday.bounding_box()
    assert before is not None and after is not None
    # Where the box is on the screen, not where it is in the page (the status above grew).
    assert abs(after["y"] - before["y"]) <= 2, (before, after)


@pytest.mark.parametrize(("width", "height"), PHONES, ids=[f"{w}x{h}" for w, h in PHONES])
def test_invoice_actions_on_screen(new_context, live_server, alice, family, width, height):
    """Each invoice is a card whose actions (PDF, Télécharger, Payer) are within the screen's
    width; on an invoice's page, too."""
    page = new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True
    ).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/factures/")
    for name in (
        "Ouvrir la facture F-2026-000001 (PDF, nouvel onglet)",
        "Télécharger la facture F-2026-000001 (PDF)",
        "Payer la facture F-2026-000001",
    ):
        action = page.get_by_role("link", name=name).or_(page.get_by_role("button", name=name))
        assert_on_screen(page, action, name)
    page.get_by_role("link", name="F-2026-000001", exact=True).click()
    for name in ("Ouvrir le PDF", "Télécharger le PDF"):
        assert_on_screen(page, page.get_by_role("link", name=name), name)
    pay = page.get_by_role("button", name="Payer la facture F-2026-000001")
    pay.scroll_into_view_if_needed()
    assert_on_screen(page, pay, "Payer")


def test_grid_page_weight(new_context, live_server, alice, family, capsys):
    """The weekly grid of two children, loaded cold on a phone: at most 5 requests and 60 KB
    sent over the wire, each body counted gzip-compressed at level 9 (what WhiteNoise serves
    for static files, brotli being smaller; a front server compresses HTML the same way) and
    its headers as sent."""
    signed_in = new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = signed_in.new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Bonjour Alice")).to_be_visible()
    cold = new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    cold.add_cookies(signed_in.cookies())
    page = cold.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{live_server.url}/ville-a/reservations/?semaine={MONDAY}")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".child-week")).to_have_count(2)
    rows = []
    for response in responses:
        size = (
            len(gzip.compress(response.body(), 9)) + response.request.sizes()["responseHeadersSize"]
        )
        rows.append((response.url.removeprefix(live_server.url), size))
    total = sum(size for _url, size in rows)
    with capsys.disabled():
        print(f"\nGrid page, two children: {len(rows)} requests, {total / 1024:.1f} KB")
        for url, size in rows:
            print(f"  {size / 1024:6.1f} KB  {url}")
    assert len(rows) <= 5, rows
    assert total <= 60 * 1024, rows


@pytest.mark.parametrize("width", [1024, 1280])
def test_staff_shell_menu_in_view(new_context, live_server, manager_a, family, width):
    """Every staff page the menu opens: no sideways scroll, every entry of the menu in view."""
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    log_in(page, live_server.url, manager_a.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Tableau de bord")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Menu principal")
    links = navigation.get_by_role("link")
    assert links.count() >= 14
    for label in STAFF_LABELS:
        expect(navigation.get_by_role("link", name=label, exact=True)).to_be_visible()
    problems = []
    for href in [links.nth(index).get_attribute("href") for index in range(links.count())]:
        page.goto(f"{live_server.url}{href}")
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        problems.append(sideways_scroll(page))
        for index in range(links.count()):
            assert_on_screen(page, links.nth(index), links.nth(index).inner_text())
    assert not any(problems), "\n".join(problem for problem in problems if problem)


def test_plus_opens_without_javascript_and_with_the_keyboard(
    new_context, live_server, alice, household_a
):
    page = new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, java_script_enabled=False
    ).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    navigation = page.get_by_role("navigation", name="Menu principal")
    more = navigation.locator("summary")
    expect(navigation.get_by_role("link", name="Mon foyer")).to_be_hidden()
    more.focus()
    page.keyboard.press("Enter")
    expect(navigation.locator("details")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(navigation.get_by_role("link", name="Mon foyer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon foyer")
    # The page's section is marked on "Plus" and, once opened, on its entry.
    expect(more).to_have_class("main-nav__current")
    expect(navigation.get_by_role("link", name="Mon foyer")).to_be_hidden()
    more.click()
    expect(navigation.get_by_role("link", name="Mon foyer")).to_have_attribute(
        "aria-current", "page"
    )
