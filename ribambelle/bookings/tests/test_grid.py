"""The families' weekly grid and the staff's grid for a household: booking and cancelling with
and without htmx, refusals explained next to their cell, forged requests, isolation, roles."""

import datetime
import html
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.accounts.models import Role
from ribambelle.bookings.models import Booking
from ribambelle.bookings.rules import PARIS
from ribambelle.bookings.tests.conftest import MONDAY, make_activity
from ribambelle.bookings.tests.factories import BookingFactory, ClosureFactory
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child
from ribambelle.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

GRID = "/ville-a/reservations/"
SAVE = "/ville-a/reservations/enregistrer/"
TUESDAY = MONDAY + datetime.timedelta(days=1)
THURSDAY = MONDAY + datetime.timedelta(days=3)
FRIDAY = MONDAY + datetime.timedelta(days=4)


def key(activity, day, child=None):
    """A cell's key as the grid draws it (child:activity:day); without a child, the older
    activity:day of a page drawn before that format."""
    if child is None:
        return f"{activity.pk}:{day.isoformat()}"
    return f"{child.pk}:{activity.pk}:{day.isoformat()}"


def banner(html: str) -> list[str]:
    """The sentences of the deadline banner."""
    found = re.search(r'<div id="echeances"[^>]*>(.*?)</div></div>', html, re.S)
    assert found, "no deadline banner"
    return [" ".join(p.split()) for p in re.findall(r"<p>(.*?)</p>", found.group(1), re.S)]


def cell_text(html: str, child, activity, day) -> str:
    """What a cell shows on screen: its text without the part only screen readers get, nor
    the day's name that phones show in each cell (tested on its own)."""
    dom_id = f"case-{child.pk}-{activity.pk}-{day:%Y%m%d}"
    cell = re.search(
        rf'<td class="cell[^"]*">((?:(?!</td>).)*?(?:id|for)="{dom_id}"(?:(?!</td>).)*)</td>',
        html,
        re.S,
    )
    assert cell, f"no cell {dom_id}"
    text = re.sub(
        r'<span class="(?:visually-hidden|cell__day)"[^>]*>.*?</span>',
        "",
        cell.group(1),
        flags=re.S,
    )
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def form(child, *cells, was=(), toggle=None, monday=MONDAY):
    """What a child's form posts: each cell shown, ticked or not, and booked when drawn."""
    data = {"child": child.pk, "semaine": monday.isoformat(), "cell": [], "shown": [], "booked": []}
    for cell, checked in cells:
        data["shown"].append(cell)
        if checked:
            data["cell"].append(cell)
        if cell in was:
            data["booked"].append(cell)
    if toggle:
        data["toggle"] = toggle
    return data


def old_form(child, *cells, was=(), toggle=None, monday=MONDAY):
    """What a page drawn before the one key format posts: activity:day keys, was-<key>."""
    data = {"child": child.pk, "semaine": monday.isoformat(), "cell": [], "shown": []}
    for cell, checked in cells:
        data["shown"].append(cell)
        if checked:
            data["cell"].append(cell)
        data[f"was-{cell}"] = "1" if cell in was else "0"
    if toggle:
        data["toggle"] = toggle
    return data


def test_grid_shows_each_state_in_text(frozen, alice_client, child_a, canteen):
    BookingFactory(child=child_a, activity=canteen, date=FRIDAY)
    response = alice_client.get(f"{GRID}?semaine={MONDAY}")
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Léa Martin" in html and "Restauration scolaire" in html
    # Monday and Tuesday: past their deadline, and when it was, as visible text.
    assert cell_text(html, child_a, canteen, MONDAY) == "✕ Délai dépassé le samedi 21 à 23 h 59"
    assert cell_text(html, child_a, canteen, TUESDAY) == "✕ Délai dépassé le dimanche 22 à 23 h 59"
    assert '<span class="cell__day" aria-hidden="true">lun 23/11</span>' in html
    assert "non proposé ce jour-là" in html  # Wednesday
    assert "Non réservé" in html  # Thursday
    assert 'data-tip="réservé"' in html  # Friday, booked
    assert banner(html) == [
        "Réservations possibles jusqu'au mardi 24 novembre à 23 h 59 "
        "pour le jeudi 26 novembre (Restauration scolaire).",
        "Annulations possibles jusqu'au mercredi 25 novembre à 23 h 59 "
        "pour le vendredi 27 novembre (Restauration scolaire).",
    ]


def test_banner_gives_cancellations_when_every_open_day_is_booked(
    frozen, alice_client, child_a, canteen
):
    for day in (THURSDAY, FRIDAY):
        BookingFactory(child=child_a, activity=canteen, date=day)
    html = unescape(alice_client.get(f"{GRID}?semaine={MONDAY}").content.decode())
    assert banner(html) == [
        "Plus aucun jour ne peut être réservé cette semaine.",
        "Annulations possibles jusqu'au mardi 24 novembre à 23 h 59 "
        "pour le jeudi 26 novembre (Restauration scolaire).",
    ]
    assert "Plus aucune réservation n'est possible" not in html


def test_banner_and_cells_of_a_week_past_every_deadline(alice, child_a, canteen):
    BookingFactory(child=child_a, activity=canteen, date=MONDAY)
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS), tick=False):
        html = unescape(logged_in(alice).get(f"{GRID}?semaine={MONDAY}").content.decode())
    assert banner(html) == [
        "Plus aucune réservation ni annulation n'est possible pour cette semaine."
    ]
    assert cell_text(html, child_a, canteen, MONDAY) == (
        "✓ Réservé annulation impossible, délai dépassé le samedi 21 à 23 h 59"
    )
    assert cell_text(html, child_a, canteen, FRIDAY) == "✕ Délai dépassé le mercredi 25 à 23 h 59"


def test_cell_deadline_in_the_previous_month_names_the_month(alice, child_a, canteen):
    tuesday = datetime.date(2026, 12, 1)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=PARIS), tick=False):
        html = unescape(logged_in(alice).get(f"{GRID}?semaine=2026-11-30").content.decode())
    assert cell_text(html, child_a, canteen, tuesday) == (
        "✕ Délai dépassé le dimanche 29 novembre à 23 h 59"
    )
    assert banner(html) == [
        "Réservations possibles jusqu'au mardi 1er décembre à 23 h 59 "
        "pour le jeudi 3 décembre (Restauration scolaire).",
    ]


def test_htmx_tick_redraws_the_banner(frozen, alice_client, child_a, canteen):
    BookingFactory(child=child_a, activity=canteen, date=FRIDAY)
    cell = key(canteen, THURSDAY, child_a)
    response = alice_client.post(
        SAVE, form(child_a, (cell, True), toggle=cell), headers={"HX-Request": "true"}
    )
    html = unescape(response.content.decode())
    assert '<div id="echeances" class="deadlines" data-hx-swap-oob="true">' in html
    assert banner(html) == [
        "Plus aucun jour ne peut être réservé cette semaine.",
        "Annulations possibles jusqu'au mardi 24 novembre à 23 h 59 "
        "pour le jeudi 26 novembre (Restauration scolaire).",
    ]


def test_tick_without_javascript_books_and_redirects(frozen, alice_client, child_a, canteen):
    cell = key(canteen, THURSDAY, child_a)
    response = alice_client.post(SAVE, form(child_a, (cell, True)))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{GRID}?semaine={MONDAY}")
    assert Booking.objects.filter(child=child_a, date=THURSDAY).exists()
    page = alice_client.get(response["Location"]).content.decode()
    assert "Enregistré : 1 jour réservé." in page
    # Unticking cancels.
    alice_client.post(SAVE, form(child_a, (cell, False), was={cell}))
    assert not Booking.objects.exists()


def test_htmx_toggle_answers_the_child_table(frozen, alice_client, child_a, canteen):
    cell = key(canteen, THURSDAY, child_a)
    response = alice_client.post(
        SAVE,
        form(child_a, (cell, True), (key(canteen, FRIDAY, child_a), False), toggle=cell),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="child-week card" id="enfant-')
    assert 'data-hx-swap-oob="true"' in html and "1 jour réservé" in html
    # Only the toggled cell changed, not Friday.
    assert list(Booking.objects.values_list("date", flat=True)) == [THURSDAY]


def test_the_page_names_each_cell_by_one_key_in_every_field(frozen, alice_client, child_a, canteen):
    Booking.objects.create(
        municipality=canteen.municipality, child=child_a, activity=canteen, date=FRIDAY
    )
    page = alice_client.get(f"{GRID}?semaine={MONDAY}").content.decode()
    thursday, friday = key(canteen, THURSDAY, child_a), key(canteen, FRIDAY, child_a)
    assert f'name="shown" value="{thursday}"' in page
    assert f'name="cell" value="{thursday}"' in page
    assert f'data-hx-vals=\'{{"toggle": "{thursday}"}}\'' in page
    # Only the booked cell says it was booked; no field name carries a key any more.
    assert f'name="booked" value="{friday}"' in page
    assert f'name="booked" value="{thursday}"' not in page
    assert 'name="was-' not in page


def test_a_page_drawn_before_the_key_format_still_books_and_cancels(
    frozen, alice_client, child_a, canteen
):
    """A family who opened the grid before an update and saves after it loses nothing."""
    cell = key(canteen, THURSDAY)
    data = old_form(child_a, (cell, True), (key(canteen, FRIDAY), False))
    response = alice_client.post(SAVE, data)
    assert response.status_code == 302
    assert list(Booking.objects.values_list("date", flat=True)) == [THURSDAY]
    alice_client.post(SAVE, old_form(child_a, (cell, False), was={cell}))
    assert not Booking.objects.exists()


def test_an_old_htmx_tick_still_answers_the_child_table(frozen, alice_client, child_a, canteen):
    cell = key(canteen, THURSDAY)
    response = alice_client.post(
        SAVE,
        old_form(child_a, (cell, True), (key(canteen, FRIDAY), True), toggle=cell),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "1 jour réservé" in response.content.decode()
    assert list(Booking.objects.values_list("date", flat=True)) == [THURSDAY]


def test_old_refusal_is_shown_next_to_the_cell_under_the_new_key(
    frozen, alice_client, child_a, canteen
):
    response = alice_client.post(SAVE, old_form(child_a, (key(canteen, TUESDAY), True)))
    page = alice_client.get(response["Location"]).content.decode()
    assert 'class="cell__refusal" role="alert"' in page
    assert not Booking.objects.exists()


def test_a_cell_of_another_child_in_the_form_is_404(
    frozen, alice_client, household_a, child_a, canteen
):
    sibling = Child.objects.create(
        municipality=household_a.municipality,
        household=household_a,
        first_name="Noé",
        last_name="Martin",
        birth_date=datetime.date(2018, 1, 1),
    )
    response = alice_client.post(SAVE, form(child_a, (key(canteen, THURSDAY, sibling), True)))
    assert response.status_code == 404
    assert not Booking.objects.exists()


def test_activity_name_books_the_open_days_of_the_week(frozen, alice_client, child_a, canteen):
    response = alice_client.post(
        SAVE, {"child": child_a.pk, "semaine": MONDAY.isoformat(), "week": canteen.pk}
    )
    assert response.status_code == 302
    # Monday and Tuesday are past their deadline, Wednesday is not offered.
    assert sorted(Booking.objects.values_list("date", flat=True)) == [THURSDAY, FRIDAY]


def test_refusal_is_explained_next_to_the_cell_and_changes_nothing(
    frozen, alice_client, child_a, canteen
):
    cell = key(canteen, TUESDAY, child_a)
    response = alice_client.post(SAVE, form(child_a, (cell, True)))
    page = alice_client.get(response["Location"]).content.decode()
    assert not Booking.objects.exists()
    assert 'class="cell__refusal" role="alert"' in page
    assert "les réservations pour ce jour étaient possibles jusqu&#x27;au dimanche 22" in page


def test_refusals_with_htmx(frozen, alice_client, child_a, canteen):
    ClosureFactory(
        municipality=canteen.municipality, label="Grève", starts_on=THURSDAY, ends_on=THURSDAY
    )
    cell = key(canteen, THURSDAY, child_a)
    response = alice_client.post(
        SAVE, form(child_a, (cell, True), toggle=cell), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "Fermé : Grève." in html and "1 demande refusée" in html
    assert not Booking.objects.exists()


def test_full_day_is_refused(frozen, alice_client, child_a, municipality_a, department_a, dave):
    activity = make_activity(municipality_a, department_a, "Mercredi", capacity=1, weekdays="2")
    wednesday = MONDAY + datetime.timedelta(days=9)
    tom = Child.objects.get(first_name="Tom")
    BookingFactory(child=tom, activity=activity, date=wednesday)
    from ribambelle.bookings.models import DayCount

    DayCount.objects.create(activity=activity, date=wednesday, booked=1)
    monday = MONDAY + datetime.timedelta(days=7)
    page = alice_client.get(f"{GRID}?semaine={monday}").content.decode()
    assert "Complet" in page
    cell = key(activity, wednesday, child_a)
    alice_client.post(SAVE, form(child_a, (cell, True), monday=monday))
    assert not Booking.objects.filter(child=child_a).exists()


# Forged requests change nothing.


def test_other_households_child_is_404(frozen, alice_client, child_a, canteen, dave):
    tom = Child.objects.get(first_name="Tom")
    response = alice_client.post(SAVE, form(tom, (key(canteen, THURSDAY, tom), True)))
    assert response.status_code == 404
    assert not Booking.objects.exists()


def test_other_municipalitys_activity_is_404(frozen, alice_client, child_a, activity_b):
    response = alice_client.post(SAVE, form(child_a, (key(activity_b, THURSDAY, child_a), True)))
    assert response.status_code == 404
    response = alice_client.post(
        SAVE, {"child": child_a.pk, "semaine": MONDAY.isoformat(), "week": activity_b.pk}
    )
    assert response.status_code == 404
    assert not Booking.objects.exists()


def test_garbled_cell_is_404(frozen, alice_client, child_a, canteen):
    response = alice_client.post(SAVE, form(child_a, ("x:2026-13-45", True)))
    assert response.status_code == 404


def test_other_tenant_and_roles(frozen, canteen, child_a, charlie, household_b, agent_client):
    assert logged_in(charlie).get(GRID).status_code == 404
    assert agent_client.get(GRID).status_code == 403
    assert agent_client.post(SAVE, {}).status_code == 403


def test_a_save_finds_the_parents_household_as_the_grid_does(
    frozen, alice_client, household_a, child_a, canteen, charlie
):
    """The save reads the parent's household with its children (no household_of first): an
    account of another town, or of a refused household, gets the grid's 404 and books nothing."""
    cell = key(canteen, THURSDAY, child_a)
    assert logged_in(charlie).post(SAVE, form(child_a, (cell, True))).status_code == 404
    household_a.status = household_a.Status.REFUSED
    household_a.save()
    assert alice_client.get(GRID).status_code == 404
    assert alice_client.post(SAVE, form(child_a, (cell, True))).status_code == 404
    assert not Booking.objects.exists()
    household_a.status = household_a.Status.ACTIVE
    household_a.save()
    assert alice_client.post(SAVE, form(child_a, (cell, True))).status_code == 302
    assert Booking.objects.filter(child=child_a).count() == 1


def test_pending_household_sees_why(frozen, alice_client, household_a, child_a, canteen):
    household_a.status = household_a.Status.PENDING
    household_a.save()
    cell = key(canteen, THURSDAY, child_a)
    response = alice_client.post(SAVE, form(child_a, (cell, True)))
    page = alice_client.get(response["Location"]).content.decode()
    assert "validée par la mairie" in page
    assert not Booking.objects.exists()


def test_opens_on_first_week_still_open(alice, child_a, canteen):
    # Friday 27 November at 09:00: nothing left to book this week.
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS), tick=False):
        page = logged_in(alice).get(GRID).content.decode()
    assert "Semaine du lundi 30 novembre au vendredi 4 décembre 2026" in page


def test_grid_query_count_is_constant(
    frozen, alice_client, household_a, child_a, canteen, evening_care
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(f"{GRID}?semaine={MONDAY}").status_code == 200
        return len(queries)

    count()  # the first page reads the municipality's configuration, then kept
    few = count()
    for index in range(4):
        child = ChildFactory(
            household=household_a,
            first_name=f"Enfant{index}",
            last_name="Martin",
            birth_date=datetime.date(2017, 1, 1),
        )
        for day in (THURSDAY, FRIDAY):
            for activity in (canteen, evening_care):
                BookingFactory(child=child, activity=activity, date=day)
    assert count() == few


# Staff: the household's grid with deadlines lifted.


def staff_url(household, suffix=""):
    return f"/ville-a/gestion/familles/{household.pk}/reservations/{suffix}"


def test_staff_books_past_the_deadline_and_it_is_logged(
    frozen, agent_client, household_a, child_a, canteen, agent_a
):
    page = agent_client.get(f"{staff_url(household_a)}?semaine={MONDAY}").content.decode()
    assert "hors délai" in page
    cell = key(canteen, TUESDAY, child_a)
    response = agent_client.post(
        staff_url(household_a, "enregistrer/"), form(child_a, (cell, True))
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.late and booking.source == Booking.Source.STAFF
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.OVERRIDE, actor=agent_a, household_id=household_a.pk
    ).exists()


def test_staff_grid_isolation_and_roles(
    frozen, alice_client, agent_client, household_a, household_b, child_a, canteen, municipality_a
):
    assert agent_client.get(staff_url(household_b)).status_code == 404
    assert alice_client.get(staff_url(household_a)).status_code == 403
    reader = logged_in(make_user(municipality_a, "lecture@ville-a.fr", Role.READ_ONLY))
    grid = reader.get(staff_url(household_a))
    assert grid.status_code == 200
    assert child_a.first_name in grid.content.decode()
    cell = key(canteen, THURSDAY, child_a)
    response = reader.post(staff_url(household_a, "enregistrer/"), form(child_a, (cell, True)))
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_home_shows_todays_bookings(frozen, alice_client, child_a, canteen):
    BookingFactory(child=child_a, activity=canteen, date=MONDAY)
    page = alice_client.get("/ville-a/").content.decode()
    assert "Aujourd'hui, lundi 23 novembre" in page
    assert "Restauration scolaire" in page


def test_opens_on_a_week_where_bookings_can_still_be_cancelled(alice, child_a, canteen):
    # Friday 27 November: next week is fully booked, but still open to cancelling.
    for offset in (0, 1, 3, 4):
        BookingFactory(
            child=child_a,
            activity=canteen,
            date=datetime.date(2026, 11, 30) + datetime.timedelta(days=offset),
        )
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS), tick=False):
        page = logged_in(alice).get(GRID).content.decode()
    assert "Semaine du lundi 30 novembre au vendredi 4 décembre 2026" in page


def test_child_names_are_elided_in_the_grid(frozen, alice_client, child_a, canteen):
    child_a.first_name = "Inès"
    child_a.save()
    page = html.unescape(alice_client.get(f"{GRID}?semaine={MONDAY}").content.decode())
    assert "Réservations d'Inès," in page
    assert "Enregistrer les réservations d'Inès" in page
    assert "de Inès" not in page
