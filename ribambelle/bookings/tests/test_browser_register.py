"""The attendance register on a tablet in Chromium: an agent marks one child present and one
absent (saved at once, still there after a reload), then adds a child who was not booked. The
register and the counts pages have no axe-core violation."""

import pytest
from playwright.sync_api import expect

from ribambelle.bookings.models import Attendance
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.bookings.tests.factories import counted_booking
from ribambelle.conftest import PASSWORD
from ribambelle.families.models import Child
from ribambelle.families.tests.factories import ChildFactory
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"viewport": {"width": 820, "height": 1180}, "is_mobile": True, "has_touch": True}


def book(child, activity):
    counted_booking(child=child, activity=activity, date=MONDAY)


def statuses():
    return dict(Attendance.objects.values_list("child__first_name", "status"))


def test_agent_takes_the_register_on_a_tablet(
    frozen, new_context, live_server, agent_a, canteen, household_a, child_a, dave
):
    child_a.allergies = "Arachide"
    child_a.has_pai = True
    child_a.save()
    tom = Child.objects.get(first_name="Tom")
    book(child_a, canteen)
    book(tom, canteen)
    ChildFactory(
        household=household_a, first_name="Inès", last_name="Bernard", birth_date=child_a.birth_date
    )
    page = new_context(**TABLET).new_page()
    log_in(page, live_server.url, agent_a.email, PASSWORD)

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Pointage"
    ).click()
    expect(page.locator("#register-title")).to_have_text(
        "Restauration scolaire – lundi 23 novembre 2026"
    )
    lea = page.locator(f"#enfant-{child_a.pk}")
    expect(lea).to_contain_text("Arachide")
    expect(lea).to_contain_text("PAI")
    assert_no_axe_violations(page)

    lea.get_by_role("button", name="Présent").click()
    expect(lea.get_by_role("button", name="Présent")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#register-status")).to_have_text("Léa Martin : présence enregistrée.")
    # Focus stays on the button for the next tap or key press.
    expect(lea.get_by_role("button", name="Présent")).to_be_focused()

    tom_row = page.locator(f"#enfant-{tom.pk}")
    tom_row.get_by_role("button", name="Absent").click()
    expect(tom_row.get_by_role("button", name="Absent")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#register-counters")).to_contain_text("Présents1")
    expect(page.locator("#register-counters")).to_contain_text("Non pointés0")
    assert statuses() == {"Léa": "present", "Tom": "absent"}

    page.reload()
    expect(lea.get_by_role("button", name="Présent")).to_have_attribute("aria-pressed", "true")
    expect(lea.get_by_role("button", name="Absent")).to_have_attribute("aria-pressed", "false")
    expect(tom_row.get_by_role("button", name="Absent")).to_have_attribute("aria-pressed", "true")

    page.get_by_label("Enfant", exact=True).select_option(label="Bernard Inès")
    page.get_by_role("button", name="Ajouter et marquer présent").click()
    expect(page.locator(".messages")).to_contain_text(
        "Inès Bernard : présence enregistrée (enfant non réservé)."
    )
    expect(page.get_by_role("listitem").filter(has_text="Bernard Inès")).to_contain_text(
        "non réservé"
    )
    expect(page.locator("#register-counters")).to_contain_text("Présents2")
    attendance = Attendance.objects.get(child__first_name="Inès")
    assert (attendance.status, attendance.was_booked) == ("present", False)
    assert_no_axe_violations(page)


def test_counts_page_has_no_axe_violation(frozen, page, live_server, manager_a, canteen, child_a):
    book(child_a, canteen)
    log_in(page, live_server.url, manager_a.email, PASSWORD)

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Effectifs"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Effectifs")
    expect(page.get_by_role("table").first).to_contain_text("École Jules-Ferry")
    assert_no_axe_violations(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le tableau (CSV)").click()
    assert download.value.suggested_filename == "effectifs-2026-11-23-2026-12-06.csv"
