"""Mass booking: the three steps, both modes, an exact summary, forged choices, speed."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.bookings.models import Booking, Closure
from ribambelle.bookings.tests.conftest import MONDAY, YEAR_END, make_activity
from ribambelle.families.models import Child

pytestmark = pytest.mark.django_db

MASS = "/ville-a/reservations/en-masse/"
RESULT = "/ville-a/reservations/en-masse/resultat/"
NEXT_MONDAY = MONDAY + datetime.timedelta(days=7)


def params(activities, children, weekdays, start, end, mode="add"):
    return {
        "etape": "3",
        "activites": [a.pk for a in activities],
        "enfants": [c.pk for c in children],
        "jours": weekdays,
        "du": start.isoformat(),
        "au": end.isoformat(),
        "mode": mode,
    }


def test_steps_offer_only_what_may_be_booked(
    frozen, alice_client, child_a, canteen, municipality_a, department_a, activity_b
):
    other_school = make_activity(
        municipality_a, department_a, "Cantine Pasteur", schools="École Pasteur"
    )
    page = alice_client.get(MASS).content.decode()
    assert "Restauration scolaire" in page
    assert "Cantine Pasteur" not in page and "Cantine de B" not in page
    page = alice_client.get(MASS, {"etape": "2", "activites": canteen.pk}).content.decode()
    assert "Léa" in page
    page = alice_client.get(
        MASS, {"etape": "3", "activites": canteen.pk, "enfants": child_a.pk}
    ).content.decode()
    # Only the weekdays the activity offers.
    assert "Lundi" in page and "Jeudi" in page and "Mercredi" not in page
    # A forged activity is refused at step 2 with a French message.
    page = alice_client.get(MASS, {"etape": "2", "activites": other_school.pk}).content.decode()
    assert "Cette activité n&#x27;est pas proposée à vos enfants." in page


def test_add_then_replace_with_an_exact_summary(frozen, alice_client, child_a, canteen):
    Closure.objects.create(
        municipality=canteen.municipality,
        label="Formation",
        starts_on=NEXT_MONDAY,
        ends_on=NEXT_MONDAY,
    )
    end = NEXT_MONDAY + datetime.timedelta(days=13)
    response = alice_client.post(MASS, params([canteen], [child_a], [0, 1, 3, 4], NEXT_MONDAY, end))
    assert response.status_code == 302 and response["Location"] == RESULT
    page = alice_client.get(RESULT).content.decode()
    assert Booking.objects.count() == 7
    assert "7 jours réservés" in page
    assert "1 jour refusé – Fermé : Formation." in page

    response = alice_client.post(
        MASS, params([canteen], [child_a], [3], NEXT_MONDAY, end, mode="replace")
    )
    page = alice_client.get(RESULT).content.decode()
    days = sorted(Booking.objects.values_list("date", flat=True))
    assert days == [
        NEXT_MONDAY + datetime.timedelta(days=3),
        NEXT_MONDAY + datetime.timedelta(days=10),
    ]
    assert "5 jours annulés" in page
    assert "Mode « remplacer »" in page


def test_bad_parameters_keep_what_was_typed(frozen, alice_client, child_a, canteen):
    data = params([canteen], [child_a], [0], NEXT_MONDAY, MONDAY)
    response = alice_client.post(MASS, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "La date de fin doit suivre la date de début." in page
    assert f'value="{NEXT_MONDAY.isoformat()}"' in page
    data = params([canteen], [child_a], [], NEXT_MONDAY, YEAR_END)
    page = alice_client.post(MASS, data).content.decode()
    assert "Choisissez au moins un jour de la semaine." in page
    assert not Booking.objects.exists()


def test_forged_child_changes_nothing(frozen, alice_client, child_a, canteen, dave):
    tom = Child.objects.get(first_name="Tom")
    page = alice_client.post(
        MASS, params([canteen], [tom], [0], NEXT_MONDAY, YEAR_END)
    ).content.decode()
    assert "Cet enfant ne peut pas réserver ces activités." in page
    assert not Booking.objects.exists()


def test_isolation_and_roles(frozen, canteen, charlie, household_b, agent_client):
    from ribambelle.conftest import logged_in

    assert logged_in(charlie).get(MASS).status_code == 404
    assert agent_client.get(MASS).status_code == 403
    assert agent_client.get(RESULT).status_code == 403


def test_a_school_year_for_three_children_and_four_activities(
    frozen, alice_client, household_a, child_a, municipality_a, department_a
):
    activities = [
        make_activity(municipality_a, department_a, name, weekdays=days)
        for name, days in (
            ("Cantine", "0134"),
            ("Garderie matin", "0134"),
            ("Garderie soir", "0134"),
            ("Mercredi", "2"),
        )
    ]
    children = [child_a] + [
        Child.objects.create(
            municipality=municipality_a,
            household=household_a,
            first_name=name,
            last_name="Martin",
            birth_date=datetime.date(2019, 5, 5),
        )
        for name in ("Noé", "Lou")
    ]
    data = params(activities, children, [0, 1, 2, 3, 4], NEXT_MONDAY, YEAR_END)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = alice_client.post(MASS, data)
        elapsed = time.perf_counter() - started
    assert response.status_code == 302
    booked = Booking.objects.count()
    assert booked > 1000
    # A constant number of queries, whatever the number of days (bulk writes).
    assert len(queries) < 40, len(queries)
    print(f"mass booking: {booked} bookings in {elapsed * 1000:.0f} ms, {len(queries)} queries")
