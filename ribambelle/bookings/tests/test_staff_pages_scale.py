"""The kitchen counts and the attendance register keep the same number of queries from a small
municipality to a larger one with more schools, diets, days, activities and marks (what
`make bench` checks again between 300 and 5,000 households), and the rows they draw in Python
escape what families typed."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.bookings.models import Attendance
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.bookings.tests.test_staff_register import attend, book, make_child, url
from ribambelle.families.models import Child
from ribambelle.families.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

DIETS = [Child.Diet.STANDARD, Child.Diet.NO_MEAT, Child.Diet.MEDICAL]
SCHOOLS = ["École Jules-Ferry", " école jules-ferry ", "École Pasteur", "École Curie", ""]


def grow(municipality, activities, count, days):
    """`count` children of one new household, spread over schools, diets, allergies and PAI,
    booked on `days` for every activity, a third of them marked present."""
    household = HouseholdFactory(municipality=municipality, name=f"Foyer {count}")
    for index in range(count):
        child = make_child(
            household,
            f"Enfant{index}",
            f"Nom{count}-{index}",
            school=SCHOOLS[index % len(SCHOOLS)],
            school_class="" if index % 4 == 0 else "CM1",
            diet=DIETS[index % len(DIETS)],
            allergies="Gluten" if index % 2 else "",
            has_pai=index % 5 == 0,
        )
        for day in days:
            for activity in activities:
                book(child, activity, day)
                if index % 3 == 0:
                    attend(child, activity, Attendance.Status.PRESENT, day)


def queries(client, name, params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(name), params).status_code == 200
    return len(captured)


def test_counts_and_register_queries_stay_constant_as_the_town_grows(
    agent_client, municipality_a, frozen, canteen, evening_care
):
    counts = {"du": MONDAY.isoformat(), "semaines": "2"}
    register = {"activite": canteen.pk, "date": MONDAY.isoformat()}
    at_school = {**register, "ecole": "École Pasteur"}
    grow(municipality_a, [canteen], 3, [MONDAY])
    small = [
        queries(agent_client, "counts", counts),
        queries(agent_client, "counts_csv", counts),
        queries(agent_client, "register", register),
        queries(agent_client, "register", at_school),
    ]
    week = [MONDAY + datetime.timedelta(days=n) for n in (0, 1, 7, 8, 11)]
    grow(municipality_a, [canteen, evening_care], 25, week)
    grow(municipality_a, [canteen], 15, [MONDAY])
    assert [
        queries(agent_client, "counts", counts),
        queries(agent_client, "counts_csv", counts),
        queries(agent_client, "register", register),
        queries(agent_client, "register", at_school),
    ] == small


def test_register_and_counts_rows_escape_what_families_typed(
    agent_client, household_a, frozen, canteen
):
    child = make_child(
        household_a,
        "<b>Léa</b>",
        "O'Neil & <i>Cie</i>",
        school='<script>alert("x")</script>',
        school_class="<u>CM1</u>",
        allergies="<img src=x onerror=alert(1)>",
        diet=Child.Diet.MEDICAL,
    )
    book(child, canteen)
    attend(child, canteen, Attendance.Status.ABSENT)
    pages = [
        agent_client.get(url("register"), {"activite": canteen.pk, "date": MONDAY.isoformat()}),
        agent_client.get(url("counts"), {"du": MONDAY.isoformat(), "semaines": "1"}),
    ]
    for response in pages:
        page = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    register = pages[0].content.decode()
    for raw in ("<b>Léa</b>", "<i>Cie</i>", "<u>CM1</u>", "<img src=x"):
        assert raw not in register
    assert "O&#x27;Neil &amp; &lt;i&gt;Cie&lt;/i&gt; &lt;b&gt;Léa&lt;/b&gt;" in register
    assert "&lt;img src=x onerror=alert(1)&gt;" in register
    # Its state, its buttons (the day has passed: staff may mark) and their hidden fields.
    assert (
        'aria-pressed="true"><span class="presence__icon" aria-hidden="true">✕</span>' in register
    )
    assert 'name="csrfmiddlewaretoken"' in register
