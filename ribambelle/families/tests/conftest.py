"""Fixtures of the staff pages' tests: a read-only member of staff, a family's request waiting
for validation, a sign-up waiting for validation."""

import datetime

import pytest

from ribambelle.accounts.models import Role
from ribambelle.conftest import logged_in, make_user
from ribambelle.families.categories import CATEGORIES
from ribambelle.families.models import Child, FamilySettings, Guardian, Household
from ribambelle.families.services.records import record_update


@pytest.fixture
def readonly_client(municipality_a):
    return logged_in(make_user(municipality_a, "lecture@ville-a.fr", Role.READ_ONLY))


@pytest.fixture
def pending_phone(alice, household_a):
    """Alice asked to change her mobile phone in a category under validation."""
    FamilySettings.objects.create(
        municipality=household_a.municipality, validated_categories=["guardian.contact"]
    )
    guardian = household_a.guardians.get(user=alice)
    values = {
        "email": guardian.email,
        "mobile_phone": "07 98 76 54 32",
        "other_phone": "",
        "address": "",
    }
    outcome = record_update(
        actor=alice, target=guardian, category=CATEGORIES["guardian.contact"], values=values
    )
    assert not outcome.applied
    return outcome.pending


@pytest.fixture
def pending_signup(municipality_a):
    household = Household.objects.create(
        municipality=municipality_a, name="Foyer Nouveau", status=Household.Status.PENDING
    )
    user = make_user(municipality_a, "nina@example.org", password=None, first_name="Nina")
    Guardian.objects.create(
        municipality=municipality_a,
        household=household,
        user=user,
        first_name="Nina",
        last_name="Nouveau",
        email=user.email,
    )
    Child.objects.create(
        municipality=municipality_a,
        household=household,
        first_name="Noé",
        last_name="Nouveau",
        birth_date=datetime.date(2019, 6, 1),
    )
    return household
