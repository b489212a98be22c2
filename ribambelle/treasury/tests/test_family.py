"""What the family sees of an invoice sent to the treasury: no "Payer", the treasury to pay and
the reference, on "Mes factures" and on the invoice's page; payment refused on the server."""

import pytest
from django.urls import reverse

from ribambelle.billing.models import Invoice
from ribambelle.billing.payments.registry import can_pay_online
from ribambelle.treasury.models import TreasurySettings
from ribambelle.treasury.tests.test_export import export_run


@pytest.fixture
def exported(municipality_a, treasury_office, run_invoices, manager_a):
    treasury_office.provider = "demo"
    treasury_office.save(update_fields=["provider"])
    TreasurySettings.objects.filter(office=treasury_office).update(payfip=True)
    export_run(municipality_a, treasury_office, run_invoices[0].run, manager_a)
    return Invoice.objects.get(pk=run_invoices[0].pk)


@pytest.mark.django_db
def test_the_family_is_told_to_pay_the_treasury(alice_client, exported):
    assert "PayFiP" in exported.collection_detail
    assert not can_pay_online(exported)
    for page in (
        reverse("billing:invoices", kwargs={"municipality_slug": "ville-a"}),
        reverse("billing:invoice", kwargs={"municipality_slug": "ville-a", "pk": exported.pk}),
    ):
        text = alice_client.get(page).content.decode()
        assert "Transmise au Trésor public" in text
        assert exported.collection_detail in text
        assert ">Payer<" not in text
