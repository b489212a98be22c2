"""The demo's treasury settings: codes and imputations set, every demo activity imputed,
seeding twice changes nothing."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from ribambelle.billing.models import BillingOffice
from ribambelle.bookings.models import Activity
from ribambelle.bookings.rules import PARIS
from ribambelle.demo.bookings import WEDNESDAY
from ribambelle.treasury.models import Imputation, TreasurySettings
from ribambelle.treasury.selectors import imputations_for

pytestmark = pytest.mark.django_db


def test_seed_demo_sets_the_treasury_settings_once():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)):
        call_command("seed_demo", stdout=io.StringIO())
        first = sorted(Imputation.objects.values_list("pk", "nature", "function"))
        call_command("seed_demo", stdout=io.StringIO())
    assert sorted(Imputation.objects.values_list("pk", "nature", "function")) == first
    office = BillingOffice.objects.get(municipality__slug="demo")
    assert TreasurySettings.objects.get(office=office).collectivity_code == "D01"
    found = imputations_for(office)
    activities = Activity.objects.filter(municipality__slug="demo")
    assert set(found) == set(activities.values_list("pk", flat=True))
    assert found[activities.get(name=WEDNESDAY).pk] == ("70688", "421")
