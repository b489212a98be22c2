"""Whom a household's e-mails go to (booking reminders, invoices, payments, replies)."""

import pytest

from ribambelle.conftest import make_user
from ribambelle.families.models import Guardian
from ribambelle.families.selectors import account_recipients

pytestmark = pytest.mark.django_db


def guardian(household, user=None, first_name="Zoé", **extra):
    return Guardian.objects.create(
        municipality=household.municipality,
        household=household,
        user=user,
        first_name=first_name,
        last_name="Martin",
        **extra,
    )


def test_guardians_with_an_active_account_in_the_order_of_their_addresses(household_a, bob):
    recipients = account_recipients(household_a.pk)
    assert [(r.email, r.guardian.first_name, r.user) for r in recipients] == [
        ("alice@example.org", "Alice", household_a.guardians.get(first_name="Alice").user),
        ("bob@example.org", "Bob", bob),
    ]


def test_no_account_no_address_inactive_or_foreign_account_get_nothing(
    household_a, alice, bob, municipality_a, municipality_b
):
    guardian(household_a, email="sans-compte@example.org")
    bob.is_active = False
    bob.save()
    guardian(household_a, make_user(municipality_a, "", first_name="Vide"))
    guardian(household_a, make_user(municipality_b, "ailleurs@example.org"))
    assert [r.email for r in account_recipients(household_a.pk)] == ["alice@example.org"]


def test_an_address_is_written_to_once_in_lower_case(household_a, alice):
    alice.email = "  Alice@Example.org "
    alice.save()
    recipients = account_recipients(household_a.pk)
    assert [r.email for r in recipients] == ["alice@example.org", "bob@example.org"]
    assert recipients[0].guardian.user == alice


def test_another_household_is_not_read(household_a, dave):
    assert [r.email for r in account_recipients(dave.guardian.household_id)] == ["dave@example.org"]
