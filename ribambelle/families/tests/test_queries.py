"""Page query counts do not grow with the number of children, documents, people or consents."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    Consent,
    FamilyDocument,
    Requirement,
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
        child = Child.objects.create(
            municipality=municipality,
            household=household,
            first_name=f"Enfant{n}",
            last_name="Martin",
            birth_date=datetime.date(2016, 1, 1 + n),
        )
        for consent in consents:
            ChildConsent.objects.create(child=child, consent=consent, granted=True)
        AuthorizedPerson.objects.create(
            municipality=municipality,
            child=child,
            first_name="Mamie",
            last_name="Martin",
            phone="0600000000",
            relationship="Grand-mère",
            emergency_contact=True,
        )
        for owner in ({"child": child}, {"guardian": guardian}):
            FamilyDocument.objects.create(
                municipality=municipality,
                household=household,
                kind="insurance",
                name="Attestation",
                file=ContentFile(b"%PDF-1.4\n%%EOF", name="a.pdf"),
                content_type="application/pdf",
                size=14,
                **owner,
            )


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
        AuthorizedPerson.objects.create(
            municipality=child_a.municipality,
            child=child_a,
            first_name=f"P{n}",
            last_name="X",
            phone="0600000000",
            relationship="Voisin",
        )
        FamilyDocument.objects.create(
            municipality=child_a.municipality,
            household=household_a,
            child=child_a,
            kind="other",
            name=f"Doc {n}",
            file=ContentFile(b"%PDF-1.4\n%%EOF", name="d.pdf"),
            content_type="application/pdf",
            size=14,
        )
    assert count(alice_client, url) == small
