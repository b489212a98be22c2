"""Staff configuration of bookings in the browser: a manager adds an activity with a weekly
booking rule and finds it described in words in the list, adds a closure; no axe violation on the
activities list, the activity form (empty and with errors) and the calendar of closures."""

import datetime

import pytest
from playwright.sync_api import expect

from ribambelle.bookings.models import Activity, Closure
from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_configures_an_activity_and_the_calendar(
    page, live_server, manager_a, canteen, child_a
):
    base = live_server.url
    log_in(page, base, manager_a.email, PASSWORD)
    menu = page.get_by_role("navigation", name="Menu principal")

    menu.get_by_role("link", name="Activités").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activités")
    expect(page.locator(f"#activite-{canteen.pk}")).to_contain_text("2 jour(s) avant à 23:59")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Ajouter une activité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle activité")
    booking_rule = page.locator("#regle-reservation")
    # The weekday of a weekly rule only shows once that kind of rule is chosen.
    expect(booking_rule.get_by_label("Jour de la semaine précédente")).to_be_hidden()
    expect(page.get_by_label("Enfants inscrits")).to_be_hidden()
    assert_no_axe_violations(page)

    page.get_by_label("Nom de l'activité").fill("Accueil du mercredi")
    page.get_by_role("button", name="Enregistrer l'activité").click()
    expect(page.get_by_role("alert")).to_contain_text("Cochez au moins un jour de la semaine.")
    expect(page.get_by_label("Nom de l'activité")).to_have_value("Accueil du mercredi")
    assert_no_axe_violations(page)

    page.get_by_label("Service").select_option(label="Restauration scolaire")
    page.get_by_label("Unité").select_option(label="Journée")
    page.get_by_role("group", name="Jours proposés").get_by_label("Mercredi").check()
    page.get_by_label("Premier jour", exact=True).fill("2026-09-02")
    page.get_by_label("Dernier jour", exact=True).fill("2027-07-07")
    page.get_by_label("Places par jour").fill("24")
    booking_rule.get_by_label("Un jour fixe de la semaine précédente").check()
    booking_rule.get_by_label("Jour de la semaine précédente").select_option(label="Jeudi")
    booking_rule.get_by_label("Heure limite").fill("12:00")
    expect(booking_rule.get_by_label("Nombre de jours avant")).to_be_hidden()
    page.get_by_label("Sur inscription seulement").check()
    page.get_by_label("Enfants inscrits").select_option(label="MARTIN Léa (CE1, École Jules-Ferry)")
    page.get_by_role("button", name="Enregistrer l'activité").click()

    expect(page.get_by_role("status")).to_contain_text("« Accueil du mercredi » est enregistrée")
    activity = Activity.objects.get(name="Accueil du mercredi")
    card = page.locator(f"#activite-{activity.pk}")
    expect(card).to_contain_text("Le jeudi de la semaine précédente à 12:00")
    expect(card).to_contain_text("Mercredi")
    expect(card).to_contain_text("du 02/09/2026 au 07/07/2027")
    expect(card).to_contain_text("Sur inscription (1 enfant inscrit)")
    assert activity.weekdays == "2" and list(activity.enrolled.all()) == [child_a]

    menu.get_by_role("link", name="Calendrier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendrier des fermetures")
    expect(page.locator("#feries")).to_contain_text("fermés automatiquement")
    assert_no_axe_violations(page)
    day = datetime.date.today() + datetime.timedelta(days=30)
    page.get_by_label("Motif").fill("Grève")
    page.get_by_label("Premier jour fermé").fill(day.isoformat())
    page.get_by_label("Dernier jour fermé").fill(day.isoformat())
    page.get_by_role("button", name="Ajouter la fermeture").click()
    expect(page.get_by_role("status")).to_contain_text("« Grève » est ajoutée")
    expect(page.locator("#fermetures")).to_contain_text(f"le {day:%d/%m/%Y}")
    assert Closure.objects.get().department is None
    assert_no_axe_violations(page)
