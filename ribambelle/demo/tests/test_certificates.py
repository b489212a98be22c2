"""The demo's tax certificates: last year's childcare paid by three households, certified for
the children under six only, with the canteen left out; seeding twice changes nothing."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from ribambelle.billing.certificates.models import CertificateSettings, TaxCertificate
from ribambelle.bookings.rules import PARIS
from ribambelle.documents.selectors import family_documents_of
from ribambelle.families.models import Household

pytestmark = pytest.mark.django_db


def test_seed_demo_certificates_twice():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)):
        call_command("seed_demo", stdout=io.StringIO())
        first = sorted(TaxCertificate.objects.values_list("household__name", "total_cents"))
        call_command("seed_demo", stdout=io.StringIO())
        again = sorted(TaxCertificate.objects.values_list("household__name", "total_cents"))
    assert again == first
    assert [name for name, _total in first] == ["Foyer Haddad", "Foyer Martin", "Foyer Petit"]
    assert all(total > 0 for _name, total in first)
    assert set(TaxCertificate.objects.values_list("year", "version")) == {(2025, 1)}
    settings = CertificateSettings.objects.get(municipality__slug="demo")
    departments = set(settings.activities.values_list("department__name", flat=True))
    assert departments == {"Accueil périscolaire", "Centre de loisirs"}
    certified = {
        child["name"] for item in TaxCertificate.objects.all() for child in item.amounts["children"]
    }
    assert certified == {"Hugo Martin", "Adam Haddad", "Tom Petit"}
    martin = Household.objects.get(external_ref="DEMO-MARTIN")
    issued = [document.name for document in family_documents_of(martin) if document.issued]
    assert issued == ["Attestation fiscale 2025"]
