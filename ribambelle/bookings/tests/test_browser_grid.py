"""The weekly grid and mass booking in Chromium, on a phone-sized screen: tick to book, untick
to cancel, the activity's name books the week, weeks move, a refusal says why, and the wizard
books in both modes with its summary. axe-core finds no violation on these pages."""

import datetime

import pytest
from playwright.sync_api import expect

from ribambelle.bookings.models import Booking
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.bookings.tests.factories import ClosureFactory
from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THURSDAY = MONDAY + datetime.timedelta(days=3)
FRIDAY = MONDAY + datetime.timedelta(days=4)


def booked_days(child):
    return sorted(Booking.objects.filter(child=child).values_list("date", flat=True))


def test_tick_untick_week_and_navigation(frozen, mobile_page, live_server, alice, child_a, canteen):
    page = mobile_page
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Réservations"
    ).click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("lundi 23 novembre")
    expect(
        page.get_by_text(
            "Réservations possibles jusqu'au mardi 24 novembre à 23 h 59 pour le jeudi "
            "26 novembre (Restauration scolaire)."
        )
    ).to_be_visible()
    # A passed deadline says when it was, on screen (not only in a tooltip).
    monday = page.locator("td", has=page.locator(f"#case-{child_a.pk}-{canteen.pk}-20261123"))
    expect(monday).to_contain_text("le samedi 21 à 23 h 59")
    expect(monday.locator(".cell__reason")).to_be_visible()
    assert_no_axe_violations(page)

    thursday = page.get_by_role("checkbox", name="Léa, Restauration scolaire, jeudi 26 novembre")
    thursday.check()
    expect(page.get_by_role("status")).to_contain_text("1 jour réservé")
    expect(page.get_by_role("checkbox", name="jeudi 26 novembre")).to_be_checked()
    assert booked_days(child_a) == [THURSDAY]
    # Focus stays on the cell for keyboard users, and it says "réservé".
    expect(page.locator(f"label[for='case-{child_a.pk}-{canteen.pk}-20261126']")).to_have_attribute(
        "data-tip", "réservé"
    )

    page.get_by_role("checkbox", name="jeudi 26 novembre").uncheck()
    expect(page.get_by_role("status")).to_contain_text("1 réservation annulée")
    assert booked_days(child_a) == []

    page.get_by_role("button", name="Restauration scolaire : réserver toute la semaine").click()
    expect(page.get_by_role("status")).to_contain_text("2 jours réservés")
    assert booked_days(child_a) == [THURSDAY, FRIDAY]
    # The banner is redrawn: nothing left to book, cancelling still open.
    expect(page.locator("#echeances")).to_contain_text(
        "Plus aucun jour ne peut être réservé cette semaine."
    )
    expect(page.locator("#echeances")).to_contain_text(
        "Annulations possibles jusqu'au mardi 24 novembre à 23 h 59"
    )

    page.get_by_role("link", name="Semaine suivante").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("lundi 30 novembre")
    page.get_by_role("link", name="Semaine précédente").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("lundi 23 novembre")
    expect(page.get_by_role("checkbox", name="vendredi 27 novembre")).to_be_checked()


def test_refused_cell_explains_why(frozen, page, live_server, alice, child_a, canteen):
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/reservations/?semaine={MONDAY}")
    # A strike is entered after the page was drawn: the tick is refused, next to the cell.
    ClosureFactory(
        municipality=canteen.municipality, label="Grève", starts_on=THURSDAY, ends_on=THURSDAY
    )
    # click, not check(): the refused cell comes back as a closed day, not a checkbox, and the
    # answer may arrive before Playwright looks at the box it clicked.
    page.get_by_role("checkbox", name="jeudi 26 novembre").click()
    expect(page.get_by_role("alert")).to_contain_text("Fermé : Grève.")
    expect(page.get_by_role("status")).to_contain_text("1 demande refusée")
    assert booked_days(child_a) == []
    assert_no_axe_violations(page)


def test_without_javascript_the_grid_is_a_form(
    frozen, new_context, live_server, alice, child_a, canteen
):
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/reservations/?semaine={MONDAY}")
    page.get_by_role("checkbox", name="vendredi 27 novembre").check()
    page.get_by_role("button", name="Enregistrer les réservations de Léa").click()
    expect(page.get_by_role("status").first).to_contain_text("1 jour réservé")
    assert booked_days(child_a) == [FRIDAY]


def test_mass_booking_add_then_replace(frozen, page, live_server, alice, child_a, canteen):
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/reservations/")
    page.get_by_role("link", name="Réserver en masse").click()
    assert_no_axe_violations(page)
    page.get_by_label("Restauration scolaire (Restauration scolaire)").check()
    page.get_by_role("button", name="Suivant").click()
    page.get_by_label("Léa").check()
    page.get_by_role("button", name="Suivant").click()
    assert_no_axe_violations(page)
    page.get_by_label("Du", exact=True).fill("2026-11-30")
    page.get_by_label("Au", exact=True).fill("2026-12-11")
    page.get_by_role("button", name="Réserver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Résultat de la réservation en masse")
    expect(page.get_by_role("row", name="Léa")).to_contain_text("8")
    assert len(booked_days(child_a)) == 8
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Nouvelle réservation en masse").click()
    page.get_by_label("Restauration scolaire (Restauration scolaire)").check()
    page.get_by_role("button", name="Suivant").click()
    page.get_by_label("Léa").check()
    page.get_by_role("button", name="Suivant").click()
    for day in ("Lundi", "Mardi", "Vendredi"):
        page.get_by_label(day).uncheck()
    page.get_by_label("Du", exact=True).fill("2026-11-30")
    page.get_by_label("Au", exact=True).fill("2026-12-11")
    page.get_by_label("Remplacer").check()
    page.get_by_role("button", name="Réserver").click()
    # What "Remplacer" would cancel is listed first; nothing has changed yet.
    expect(page.get_by_role("heading", level=2)).to_have_text("4. Confirmer le remplacement")
    expect(page.get_by_text("6 réservations annulées")).to_be_visible()
    assert len(booked_days(child_a)) == 8
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Confirmer : annuler 6 réservations et réserver").click()
    expect(page.get_by_text("6 jours annulés")).to_be_visible()
    assert booked_days(child_a) == [datetime.date(2026, 12, 3), datetime.date(2026, 12, 10)]


def test_session_expired_while_ticking_comes_back_to_the_same_week(
    frozen, mobile_page, live_server, alice, child_a, canteen
):
    """The tick goes to the login page (not swapped into the grid), and logging in comes back
    to the week that was shown, nothing booked; the same tick then books."""
    page = mobile_page
    log_in(page, live_server.url, alice.email, PASSWORD)
    week = f"{live_server.url}/ville-a/reservations/?semaine={MONDAY + datetime.timedelta(days=7)}"
    page.goto(week)
    expect(page.get_by_role("heading", level=2)).to_contain_text("lundi 30 novembre")
    page.context.clear_cookies(name="sessionid")

    page.get_by_role("checkbox", name="jeudi 3 décembre").click()
    page.wait_for_url("**/ville-a/connexion/?next=*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.get_by_role("status")).to_contain_text("Votre session a expiré")
    assert page.locator(".child-week").count() == 0
    assert_no_axe_violations(page)
    assert booked_days(child_a) == []

    log_in(page, live_server.url, alice.email, PASSWORD)
    page.wait_for_url(week)
    expect(page.get_by_role("heading", level=2)).to_contain_text("lundi 30 novembre")
    thursday = page.get_by_role("checkbox", name="jeudi 3 décembre")
    expect(thursday).not_to_be_checked()
    thursday.check()
    expect(page.get_by_role("status").last).to_contain_text("1 jour réservé")
    assert booked_days(child_a) == [datetime.date(2026, 12, 3)]


def test_session_expired_without_javascript_comes_back_to_the_same_week(
    frozen, new_context, live_server, alice, child_a, canteen
):
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    week = f"{live_server.url}/ville-a/reservations/?semaine={MONDAY + datetime.timedelta(days=7)}"
    page.goto(week)
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("checkbox", name="jeudi 3 décembre").check()
    page.get_by_role("button", name="Enregistrer les réservations de Léa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.wait_for_url(week)
    expect(page.get_by_role("checkbox", name="jeudi 3 décembre")).not_to_be_checked()
    assert booked_days(child_a) == []
