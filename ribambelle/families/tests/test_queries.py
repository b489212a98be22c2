"""Page query counts do not grow with the number of children, documents, people or consents."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ribambelle.families.models import ChildConsent, Consent, Requirement
from ribambelle.families.tests.factories import (
    AuthorizedPersonFactory,
    ChildFactory,
    FamilyDocumentFactory,
)

pytestmark = pytest.mark.django_db


def grow(household, children: int) -> None:
    municipality = household.municipality
    consents = [
        Consent.objects.create(municipality=municipality, label=f"Autorisation {n}")
        for n in range(2)
    ]
    guardian = household.guardians.first()
    for n in range(children):
        child = ChildFactory(
            household=household,
            first_name=f"Enfant{n}",
            last_name="Martin",
            birth_date=datetime.date(2016, 1, 1 + n),
        )
        for consent in consents:
            ChildConsent.objects.create(child=child, consent=consent, granted=True)
        AuthorizedPersonFactory(
            child=child,
            first_name="Mamie",
            phone="0600000000",
            relationship="Grand-mère",
            emergency_contact=True,
        )
        for owner in ({"child": child}, {"child": None, "guardian": guardian}):
            FamilyDocumentFactory(household=household, kind="insurance", **owner)


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["families:household", "families:children", "portal:home"])
def test_household_pages_constant(page, alice_client, household_a, department_a):
    Requirement.objects.create(
        municipality=household_a.municipality, department=department_a, item="emergency_contact"
    )
    url = reverse(page, args=["ville-a"])
    grow(household_a, 1)
    small = count(alice_client, url)
    grow(household_a, 5)
    assert count(alice_client, url) == small


def test_child_page_constant(alice_client, household_a, child_a, department_a):
    Requirement.objects.create(
        municipality=household_a.municipality, department=department_a, item="insurance_certificate"
    )
    url = reverse("families:child", args=["ville-a", child_a.pk])
    small = count(alice_client, url)
    grow(household_a, 5)
    for n in range(4):
        AuthorizedPersonFactory(
            child=child_a, first_name=f"P{n}", last_name="X", relationship="Voisin"
        )
        FamilyDocumentFactory(household=household_a, child=child_a, name=f"Doc {n}")
    assert count(alice_client, url) == small
