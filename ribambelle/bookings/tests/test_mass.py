"""Mass booking: the three steps, both modes, an exact summary, forged choices, speed."""

import datetime
import re
import time
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.bookings.models import Booking
from ribambelle.bookings.tests.conftest import MONDAY, YEAR_END, make_activity
from ribambelle.bookings.tests.factories import BookingFactory, ClosureFactory
from ribambelle.families.models import Child
from ribambelle.families.tests.factories import ChildFactory

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


def confirmation_token(page: str) -> str:
    return re.search(r'name="confirmer" value="([0-9a-f]+)"', page).group(1)


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
    ClosureFactory(
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

    replace = params([canteen], [child_a], [3], NEXT_MONDAY, end, mode="replace")
    page = alice_client.post(MASS, replace).content.decode()
    assert Booking.objects.count() == 7  # shown first, not done
    response = alice_client.post(MASS, {**replace, "confirmer": confirmation_token(page)})
    assert response.status_code == 302
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
        ChildFactory(
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


# "Remplacer": the bookings it would cancel are listed, and nothing changes until confirmed.

TUESDAY_24 = datetime.date(2026, 11, 24)  # its cancelling deadline (Sunday 22) has passed
THURSDAY_26 = datetime.date(2026, 11, 26)
FRIDAY_27 = datetime.date(2026, 11, 27)
THURSDAY_3 = datetime.date(2026, 12, 3)


@pytest.fixture
def booked_household(frozen, household_a, child_a, canteen, evening_care):
    noe = ChildFactory(
        household=household_a,
        first_name="Noé",
        last_name="Martin",
        birth_date=datetime.date(2019, 5, 5),
    )
    for child, activity, day in (
        (child_a, canteen, TUESDAY_24),
        (child_a, canteen, THURSDAY_26),
        (child_a, canteen, FRIDAY_27),
        (child_a, evening_care, FRIDAY_27),
        (noe, canteen, THURSDAY_3),
    ):
        BookingFactory(child=child, activity=activity, date=day)
    return noe


def snapshot():
    return sorted(Booking.objects.values_list("child__first_name", "activity__name", "date"))


def replace_data(canteen, evening_care, children):
    return params(
        [canteen, evening_care], children, [0], TUESDAY_24, datetime.date(2026, 12, 4), "replace"
    )


def test_replace_lists_what_it_cancels_and_keeps_and_changes_nothing(
    booked_household, alice_client, child_a, canteen, evening_care
):
    before = snapshot()
    response = alice_client.post(
        MASS, replace_data(canteen, evening_care, [child_a, booked_household])
    )
    assert response.status_code == 200
    page = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    assert snapshot() == before
    assert "4. Confirmer le remplacement" in page
    assert "Rien n'est encore modifié." in page
    assert (
        "Remplacer annulera 4 réservations déjà faites du 24/11/2026 au 04/12/2026, "
        "puis réservera les jours choisis." in page
    )
    assert (
        "Léa – Restauration scolaire 2 réservations annulées : jeu. 26/11/2026, ven. 27/11/2026 "
        "1 réservation gardée (Délai dépassé : les annulations pour ce jour étaient possibles "
        "jusqu'au dimanche 22 novembre 2026 à 23 h 59.) : mar. 24/11/2026" in page
    )
    assert "Léa – Garderie du soir 1 réservation annulée : ven. 27/11/2026" in page
    assert "Noé – Restauration scolaire 1 réservation annulée : jeu. 03/12/2026" in page
    assert "Noé – Garderie du soir" not in page  # nothing to cancel or keep there
    assert "Confirmer : annuler 4 réservations et réserver" in page

    # "Modifier mes choix" goes back to step 3 with what was chosen, still changing nothing.
    back = alice_client.post(
        MASS, {**replace_data(canteen, evening_care, [child_a]), "modifier": "1"}
    ).content.decode()
    assert "3. Les jours et la période" in back
    assert 'value="2026-11-24"' in back and 'value="replace"' in back
    assert snapshot() == before


def test_confirmed_replace_does_exactly_what_was_listed(
    booked_household, alice_client, child_a, canteen, evening_care
):
    data = replace_data(canteen, evening_care, [child_a, booked_household])
    page = alice_client.post(MASS, data).content.decode()
    response = alice_client.post(MASS, {**data, "confirmer": confirmation_token(page)})
    assert response.status_code == 302 and response["Location"] == RESULT
    left = [row for row in snapshot() if row[2] != datetime.date(2026, 11, 30)]
    assert left == [("Léa", "Restauration scolaire", TUESDAY_24)]  # kept: deadline passed
    result = unescape(alice_client.get(RESULT).content.decode())
    assert "2 jours annulés" in result and "1 jour annulé" in result


@pytest.mark.parametrize("confirmer", ["", "0" * 32, "not-a-token"])
def test_replace_without_a_valid_confirmation_changes_nothing(
    booked_household, alice_client, child_a, canteen, evening_care, confirmer
):
    before = snapshot()
    data = {**replace_data(canteen, evening_care, [child_a]), "confirmer": confirmer}
    response = alice_client.post(MASS, data)
    assert response.status_code == 200
    assert "4. Confirmer le remplacement" in response.content.decode()
    assert snapshot() == before


def test_confirmation_of_a_list_that_changed_meanwhile_is_asked_again(
    booked_household, alice_client, bob, child_a, canteen, evening_care
):
    data = replace_data(canteen, evening_care, [child_a])
    token = confirmation_token(alice_client.post(MASS, data).content.decode())
    # Bob books another day of the period before Alice confirms.
    BookingFactory(child=child_a, activity=canteen, date=THURSDAY_3)
    before = snapshot()
    response = alice_client.post(MASS, {**data, "confirmer": token})
    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Vos réservations ont changé depuis l'affichage de cette liste" in page
    assert "3 réservations annulées" in page
    assert snapshot() == before
    # Confirming the new list goes through.
    assert (
        alice_client.post(MASS, {**data, "confirmer": confirmation_token(page)}).status_code == 302
    )


def test_replace_with_nothing_to_cancel_needs_no_confirmation(
    frozen, alice_client, child_a, canteen
):
    response = alice_client.post(
        MASS,
        params(
            [canteen], [child_a], [3], NEXT_MONDAY, NEXT_MONDAY + datetime.timedelta(13), "replace"
        ),
    )
    assert response.status_code == 302
    assert sorted(Booking.objects.values_list("date", flat=True)) == [
        NEXT_MONDAY + datetime.timedelta(days=3),
        NEXT_MONDAY + datetime.timedelta(days=10),
    ]


def test_replace_of_another_household_or_role(
    booked_household, canteen, evening_care, child_a, charlie, household_b, agent_client
):
    from ribambelle.conftest import logged_in

    before = snapshot()
    data = replace_data(canteen, evening_care, [child_a])
    assert logged_in(charlie).post(MASS, data).status_code == 404
    assert agent_client.post(MASS, data).status_code == 403
    assert snapshot() == before
