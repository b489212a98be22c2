"""The staff side of bookings: the attendance register (pointage) and the daily counts for the
kitchen (effectifs), as a page and a CSV file. Each page works for staff, answers 404 to another
municipality's staff or objects and 403 to parents; read-only staff look but never write; the
query count does not grow with the number of children."""

import csv
import datetime
import html
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ribambelle.accounts.models import Role
from ribambelle.bookings.models import Attendance
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.bookings.tests.factories import AttendanceFactory, ClosureFactory, counted_booking
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, Household
from ribambelle.families.tests.factories import ChildFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + datetime.timedelta(days=1)
WEDNESDAY = MONDAY + datetime.timedelta(days=2)
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, slug="ville-a"):
    return reverse(f"bookings_staff:{name}", kwargs={"municipality_slug": slug})


def make_child(household, first_name, last_name, **extra):
    values = {"school": "École Jules-Ferry", "school_class": "CE1", **extra}
    return ChildFactory(household=household, first_name=first_name, last_name=last_name, **values)


def book(child, activity, day=MONDAY):
    return counted_booking(child=child, activity=activity, date=day)


def attend(child, activity, status, day=MONDAY, was_booked=True):
    return AttendanceFactory(
        child=child, activity=activity, date=day, status=status, was_booked=was_booked
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def tom(dave):
    return Child.objects.get(household__guardians__user=dave)


def register_params(activity, day=MONDAY):
    return {"activite": activity.pk, "date": day.isoformat()}


def mark(client, activity, child, status, day=MONDAY, **headers):
    return client.post(
        url("register_mark"),
        {**register_params(activity, day), "enfant": child.pk, "statut": status},
        **headers,
    )


@pytest.fixture
def sheet(frozen, canteen, household_a, child_a, dave):
    """Monday's canteen: Léa Martin (allergy, PAI, no meat) and Tom Petit are booked; Zoé
    Albert came without a booking and was marked present."""
    child_a.allergies = "Arachide et fruits à coque"
    child_a.has_pai = True
    child_a.diet = Child.Diet.NO_MEAT
    child_a.save()
    book(child_a, canteen)
    book(tom(dave), canteen)
    zoe = make_child(household_a, "Zoé", "Albert")
    attend(zoe, canteen, Attendance.Status.PRESENT, was_booked=False)
    return {"lea": child_a, "tom": tom(dave), "zoe": zoe}


# Register: the page


def test_register_lists_booked_and_attending_children_with_their_health(
    agent_client, canteen, sheet
):
    response = agent_client.get(url("register"), register_params(canteen))

    assert response.status_code == 200
    page = response.content.decode()
    # Sorted by last name: Albert, Martin, Petit.
    assert page.index("Albert Zoé") < page.index("Martin Léa") < page.index("Petit Tom")
    assert "Arachide et fruits à coque" in page
    assert "PAI" in page
    assert "Repas sans viande" in page
    assert "CE1 · École Jules-Ferry" in page
    assert page.count("badge--unbooked") == 1
    assert "lundi 23 novembre 2026" in page
    counters = response.context["register"]
    assert (counters.booked, counters.present, counters.absent, counters.unmarked) == (2, 1, 0, 2)
    assert f'id="present-{sheet["zoe"].pk}"' in page
    assert page.count('aria-pressed="true"') == 1


def test_register_escapes_what_families_typed(agent_client, frozen, canteen, household_a):
    child = make_child(
        household_a,
        'Jo"<b>',
        "O'Neil & <i>",
        school="École <x>",
        school_class="CE1 & 'B'",
        allergies='<script>alert(1)</script> & "œufs"',
    )
    book(child, canteen)

    page = agent_client.get(url("register"), register_params(canteen)).content.decode()

    assert "<script>alert" not in page and "<b>" not in page and "<i>" not in page
    assert "O&#x27;Neil &amp; &lt;i&gt; Jo&quot;&lt;b&gt;</h3>" in page
    assert "CE1 &amp; &#x27;B&#x27; · École &lt;x&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;œufs&quot;</p>" in page


def test_register_sorts_last_names_as_on_paper(agent_client, frozen, canteen, household_a):
    for last_name in ("Fabre", "Élie", "Eden", "de Luca"):
        book(make_child(household_a, "Sam", last_name), canteen)

    response = agent_client.get(url("register"), register_params(canteen))

    names = [row.child.last_name for row in response.context["register"].rows]
    assert names == ["de Luca", "Eden", "Élie", "Fabre"]


def test_register_defaults_to_today_and_the_first_activity_running(
    agent_client, frozen, canteen, evening_care, child_a
):
    evening_care.weekdays = "2"  # Wednesdays only: not today, a Monday
    evening_care.position = 0
    evening_care.save()
    canteen.position = 1
    canteen.save()
    book(child_a, canteen)

    response = agent_client.get(url("register"))

    assert response.status_code == 200
    assert response.context["activity"] == canteen
    assert response.context["day"] == MONDAY
    assert "Martin Léa" in response.content.decode()


def test_register_logs_each_health_read_in_one_insert(agent_client, agent_a, canteen, sheet):
    with CaptureQueriesContext(connection) as queries:
        agent_client.get(url("register"), register_params(canteen))

    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "core_auditentry"')]
    assert len(inserts) == 1
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.READ_HEALTH)
    assert {e.target_id for e in entries} == {child.pk for child in sheet.values()}
    assert {e.actor_id for e in entries} == {agent_a.pk}


def test_register_says_when_the_activity_does_not_run(agent_client, frozen, canteen, child_a):
    response = agent_client.get(url("register"), register_params(canteen, WEDNESDAY))

    assert response.status_code == 200
    page = text(response)
    assert "n'a pas lieu ce jour-là" in page
    assert "Ajouter un enfant non réservé" not in page


def test_register_of_a_future_day_shows_bookings_without_buttons(
    agent_client, frozen, canteen, child_a
):
    book(child_a, canteen, TUESDAY)

    response = agent_client.get(url("register"), register_params(canteen, TUESDAY))

    page = response.content.decode()
    assert "Martin Léa" in page
    assert "aria-pressed" not in page
    assert "le pointage sera possible le jour même" in page


def test_register_bad_date_keeps_the_form_and_says_why(agent_client, frozen, canteen):
    response = agent_client.get(url("register"), {"activite": canteen.pk, "date": "31/02/2026"})

    assert response.status_code == 400
    assert "Indiquez une date valide" in response.content.decode()


def test_register_offers_only_eligible_unlisted_children(
    agent_client, municipality_a, frozen, canteen, sheet, household_a
):
    canteen.schools = "École Jules-Ferry"
    canteen.save()
    elsewhere = make_child(household_a, "Noé", "Autre", school="École Pasteur")
    candidate = make_child(household_a, "Inès", "Bernard")
    refused = HouseholdFactory(
        municipality=municipality_a, name="Foyer Refusé", status=Household.Status.REFUSED
    )
    make_child(refused, "Jade", "Refus")

    response = agent_client.get(url("register"), register_params(canteen))

    assert list(response.context["candidates"]) == [candidate]
    assert elsewhere not in response.context["candidates"]


# Register: marking


def test_agent_marks_present_then_absent_then_clears_without_javascript(
    agent_client, agent_a, canteen, sheet
):
    lea = sheet["lea"]

    response = mark(agent_client, canteen, lea, "present")

    assert response.status_code == 302
    assert response.url == (
        f"{url('register')}?activite={canteen.pk}&date=2026-11-23#enfant-{lea.pk}"
    )
    attendance = Attendance.objects.get(child=lea)
    assert (attendance.status, attendance.was_booked, attendance.recorded_by) == (
        "present",
        True,
        agent_a,
    )
    page = agent_client.get(response.url).content.decode()
    assert "Léa Martin : présence enregistrée." in page

    mark(agent_client, canteen, lea, "absent")
    assert Attendance.objects.get(child=lea).status == "absent"

    mark(agent_client, canteen, lea, "")
    assert not Attendance.objects.filter(child=lea).exists()


def test_htmx_mark_returns_the_buttons_and_counters_without_health_data(
    agent_client, canteen, sheet
):
    lea = sheet["lea"]

    response = mark(agent_client, canteen, lea, "present", **HTMX)

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith(f'<div class="presence" id="presence-{lea.pk}">')
    assert 'aria-pressed="true"' in fragment
    # Pressing it again clears it.
    assert f'id="present-{lea.pk}" name="statut" value=""' in fragment
    assert 'id="register-counters" data-hx-swap-oob="true"' in fragment
    assert "Léa Martin : présence enregistrée." in fragment
    assert "Arachide" not in fragment
    counters = response.context["register"]
    assert (counters.present, counters.unmarked) == (2, 1)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.READ_HEALTH).exists()


def test_agent_adds_an_unbooked_child_as_present(agent_client, canteen, sheet, household_a):
    newcomer = make_child(household_a, "Inès", "Bernard")

    response = agent_client.post(
        url("register_add"), {**register_params(canteen), "enfant": newcomer.pk}
    )

    assert response.status_code == 302
    attendance = Attendance.objects.get(child=newcomer)
    assert (attendance.status, attendance.was_booked) == ("present", False)
    page = agent_client.get(response.url)
    assert "Bernard Inès" in page.content.decode()
    assert page.context["register"].present == 2


def test_adding_an_ineligible_child_is_refused(agent_client, canteen, sheet, household_a):
    canteen.schools = "École Jules-Ferry"
    canteen.save()
    elsewhere = make_child(household_a, "Noé", "Autre", school="École Pasteur")

    response = agent_client.post(
        url("register_add"), {**register_params(canteen), "enfant": elsewhere.pk}, follow=True
    )

    assert "Noé Autre ne peut pas participer à cette activité." in text(response)
    assert not Attendance.objects.filter(child=elsewhere).exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [(TUESDAY, "jour à venir"), (WEDNESDAY, "n'a pas lieu ce jour-là")],
)
def test_no_attendance_on_a_future_or_closed_day(
    agent_client, frozen, canteen, child_a, day, message
):
    response = agent_client.post(
        url("register_add"), {**register_params(canteen, day), "enfant": child_a.pk}, follow=True
    )

    assert message in text(response)
    assert not Attendance.objects.exists()


def test_marking_a_future_day_is_refused(agent_client, frozen, canteen, child_a):
    book(child_a, canteen, TUESDAY)

    response = mark(agent_client, canteen, child_a, "present", TUESDAY, **HTMX)

    assert response.status_code == 400
    assert not Attendance.objects.exists()


# Register: tenants and roles


def test_register_of_another_municipality_answers_404(
    agent_client, frozen, canteen, activity_b, household_b
):
    other_child = Child.objects.get(household=household_b)
    client_b = logged_in(make_user(activity_b.municipality, "chef@ville-b.fr", Role.MANAGER))

    assert agent_client.get(url("register"), register_params(activity_b)).status_code == 404
    assert client_b.get(url("register")).status_code == 404
    assert mark(agent_client, activity_b, other_child, "present").status_code == 404
    assert mark(agent_client, canteen, other_child, "present").status_code == 404
    response = agent_client.post(
        url("register_add"), {**register_params(canteen), "enfant": other_child.pk}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_a_child_neither_listed_nor_eligible_cannot_be_marked(
    agent_client, canteen, sheet, household_a
):
    canteen.enrolment_only = True
    canteen.save()
    stranger = make_child(household_a, "Noé", "Autre")

    assert mark(agent_client, canteen, stranger, "present").status_code == 404
    assert not Attendance.objects.filter(child=stranger).exists()


def test_parents_get_403_on_the_register(alice_client, canteen, sheet):
    assert alice_client.get(url("register"), register_params(canteen)).status_code == 403
    assert mark(alice_client, canteen, sheet["lea"], "present").status_code == 403


def test_readonly_staff_see_the_register_but_cannot_write(
    readonly_client, canteen, sheet, household_a
):
    response = readonly_client.get(url("register"), register_params(canteen))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Zoé" in page
    assert "aria-pressed" not in page
    assert "Ajouter un enfant non réservé" not in page
    assert mark(readonly_client, canteen, sheet["lea"], "present").status_code == 403
    newcomer = make_child(household_a, "Inès", "Bernard")
    response = readonly_client.post(
        url("register_add"), {**register_params(canteen), "enfant": newcomer.pk}
    )
    assert response.status_code == 403
    assert not Attendance.objects.filter(child=sheet["lea"]).exists()


# Register: queries


def count_queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return len(queries)


def populate(municipality, activity, count, day=MONDAY):
    household = HouseholdFactory(municipality=municipality, name=f"Foyer {count}")
    for index in range(count):
        child = make_child(
            household, f"Enfant{index}", f"Nom{count}-{index}", has_pai=bool(index % 2)
        )
        book(child, activity, day)
        if index % 3 == 0:
            attend(child, activity, Attendance.Status.PRESENT, day)
    make_child(household, "Sans", f"Réservation{count}")


def test_register_query_count_does_not_grow_with_children(
    agent_client, municipality_a, frozen, canteen
):
    populate(municipality_a, canteen, 1)
    few = count_queries(agent_client, url("register"), register_params(canteen))
    populate(municipality_a, canteen, 12)
    assert count_queries(agent_client, url("register"), register_params(canteen)) == few


def test_htmx_mark_query_count_does_not_grow_with_children(
    agent_client, municipality_a, frozen, canteen, child_a
):
    book(child_a, canteen)
    populate(municipality_a, canteen, 1)
    mark(agent_client, canteen, child_a, "present", **HTMX)
    with CaptureQueriesContext(connection) as few:
        mark(agent_client, canteen, child_a, "absent", **HTMX)
    populate(municipality_a, canteen, 12)
    with CaptureQueriesContext(connection) as many:
        mark(agent_client, canteen, child_a, "present", **HTMX)
    assert len(many) == len(few)


# Counts for the kitchen


@pytest.fixture
def kitchen(frozen, municipality_a, canteen, household_a):
    """Monday: three children at Jules-Ferry (one no meat with allergies, one medical with a
    PAI), one at Pasteur and one without a school; Tuesday: one child. Thursday is closed."""
    ClosureFactory(
        municipality=municipality_a,
        label="Grève",
        starts_on=MONDAY + datetime.timedelta(days=3),
        ends_on=MONDAY + datetime.timedelta(days=3),
    )
    children = [
        make_child(household_a, "Ana", "A", diet=Child.Diet.NO_MEAT, allergies="Gluten"),
        make_child(household_a, "Bea", "B", diet=Child.Diet.MEDICAL, has_pai=True),
        make_child(household_a, "Cid", "C", school=" école jules-ferry "),
        make_child(household_a, "Dan", "D", school="École Pasteur"),
        make_child(household_a, "Eve", "E", school=""),
    ]
    for child in children:
        book(child, canteen)
    book(children[0], canteen, TUESDAY)
    return children


def test_counts_page_shows_each_running_day_per_school_with_diets(agent_client, canteen, kitchen):
    response = agent_client.get(url("counts"), {"du": "2026-11-23", "semaines": "1"})

    assert response.status_code == 200
    (entry,) = response.context["activities"]
    days = {day.day: day for day in entry.days}
    # Mondays, Tuesdays, Thursdays and Fridays run; Thursday is closed by the strike.
    assert sorted(days) == [MONDAY, TUESDAY, MONDAY + datetime.timedelta(days=4)]
    monday = days[MONDAY]
    assert [(t.site, t.numbers) for t in monday.sites] == [
        ("École Jules-Ferry", [3, 1, 1, 1, 1, 1]),
        ("École Pasteur", [1, 1, 0, 0, 0, 0]),
        ("Sans école", [1, 1, 0, 0, 0, 0]),
    ]
    assert monday.total.numbers == [5, 3, 1, 1, 1, 1]
    assert [(t.site, t.numbers) for t in days[TUESDAY].sites] == [
        ("École Jules-Ferry", [1, 0, 1, 0, 1, 0])
    ]
    assert days[TUESDAY].total is None
    page = response.content.decode()
    assert "lundi 23/11/2026" in page
    assert "Aucune réservation" in page  # Friday
    assert "Total du jour" in page
    assert "jeudi 26/11/2026" not in page


def test_counts_default_to_two_weeks_from_today(agent_client, canteen, kitchen):
    response = agent_client.get(url("counts"))

    assert response.status_code == 200
    assert response.context["start"] == MONDAY
    assert response.context["end"] == MONDAY + datetime.timedelta(days=13)


def test_counts_refuse_more_than_six_weeks(agent_client, frozen, canteen):
    response = agent_client.get(url("counts"), {"du": "2026-11-23", "semaines": "7"})

    assert response.status_code == 400
    assert "Choisissez entre 1 et 6 semaines." in response.content.decode()


def test_counts_csv_is_a_french_spreadsheet_file(agent_client, canteen, kitchen, household_a):
    make_child(household_a, "Fay", "F", school="=HYPERLINK(1)")
    book(Child.objects.get(first_name="Fay"), canteen, TUESDAY)

    response = agent_client.get(url("counts_csv"), {"du": "2026-11-23", "semaines": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="effectifs-2026-11-23-2026-11-29.csv"'
    )
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Activité",
        "Service",
        "Date",
        "Site",
        "Réservés",
        "Repas standard",
        "Sans viande",
        "Régime médical",
        "Avec allergies",
        "PAI",
    ]
    canteen_rows = [row[1:] for row in rows[1:]]
    assert canteen_rows == [
        ["Restauration scolaire", "23/11/2026", "École Jules-Ferry", "3", "1", "1", "1", "1", "1"],
        ["Restauration scolaire", "23/11/2026", "École Pasteur", "1", "1", "0", "0", "0", "0"],
        ["Restauration scolaire", "23/11/2026", "Sans école", "1", "1", "0", "0", "0", "0"],
        ["Restauration scolaire", "24/11/2026", "'=HYPERLINK(1)", "1", "1", "0", "0", "0", "0"],
        ["Restauration scolaire", "24/11/2026", "École Jules-Ferry", "1", "0", "1", "0", "1", "0"],
        ["Restauration scolaire", "27/11/2026", "Aucune réservation", "0", "0", "0", "0", "0", "0"],
    ]
    assert {row[0] for row in rows[1:]} == {"Restauration scolaire"}


def test_counts_csv_with_a_bad_period_says_why(agent_client, frozen, canteen):
    response = agent_client.get(url("counts_csv"), {"du": "demain", "semaines": "2"})

    assert response.status_code == 400
    assert "Période invalide" in response.content.decode()


def test_counts_of_another_municipality_answer_404_and_never_mix(
    agent_client, agent_b, canteen, kitchen, activity_b, household_b
):
    book(Child.objects.get(household=household_b), activity_b)
    client_b = logged_in(agent_b)

    assert client_b.get(url("counts")).status_code == 404
    assert client_b.get(url("counts_csv")).status_code == 404
    response = agent_client.get(url("counts"), {"du": "2026-11-23", "semaines": "1"})
    assert [entry.activity for entry in response.context["activities"]] == [canteen]
    page = client_b.get(url("counts", "ville-b"), {"du": "2026-11-23", "semaines": "1"})
    (entry,) = page.context["activities"]
    assert entry.activity == activity_b
    assert entry.days[0].sites[0].total == 1


def test_parents_get_403_and_readonly_staff_see_the_counts(
    alice_client, readonly_client, canteen, kitchen
):
    assert alice_client.get(url("counts")).status_code == 403
    assert alice_client.get(url("counts_csv")).status_code == 403
    for name in ("counts", "counts_csv"):
        response = readonly_client.get(url(name))
        assert response.status_code == 200
        assert "École Pasteur" in response.content.decode(), name


def test_counts_query_count_does_not_grow_with_children(
    agent_client, municipality_a, frozen, canteen, evening_care
):
    params = {"du": "2026-11-23", "semaines": "2"}
    populate(municipality_a, canteen, 1)
    few = count_queries(agent_client, url("counts"), params)
    few_csv = count_queries(agent_client, url("counts_csv"), params)
    for day in (MONDAY, TUESDAY, MONDAY + datetime.timedelta(days=7)):
        populate(municipality_a, canteen, 10, day)
        populate(municipality_a, evening_care, 10, day)
    assert count_queries(agent_client, url("counts"), params) == few
    assert count_queries(agent_client, url("counts_csv"), params) == few_csv


def test_staff_band_links_to_the_register_and_the_counts(agent_client, frozen, canteen):
    page = agent_client.get(url("counts")).content.decode()

    assert f'href="{url("register")}"' in page
    assert f'href="{url("counts")}" aria-current="page"' in page


def test_register_at_one_school(frozen, agent_client, household_a, child_a, canteen):
    other = make_child(household_a, "Noé", "Martin", school="École Pasteur")
    book(child_a, canteen)
    book(other, canteen)
    query = {"activite": canteen.pk, "date": MONDAY.isoformat()}
    page = agent_client.get(url("register"), query).content.decode()
    assert "Léa" in page and "Noé" in page
    page = agent_client.get(url("register"), {**query, "ecole": "École Pasteur"}).content.decode()
    assert "Noé" in page and "Léa" not in page
    assert "Restauration scolaire – lundi 23 novembre 2026 – École Pasteur" in page
    # Marking keeps the chosen school in the way back.
    response = agent_client.post(
        url("register_mark"),
        {
            "activite": canteen.pk,
            "date": MONDAY.isoformat(),
            "enfant": other.pk,
            "statut": "present",
            "ecole": "École Pasteur",
        },
    )
    assert "ecole=%C3%89cole+Pasteur" in response["Location"]
