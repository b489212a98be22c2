"""The staff pages of returned debits: the list with the import form, the import's summary,
the manual entry. Each works, answers 404 to another municipality's staff and 403 to a wrong
role; refused input is explained in French and keeps what was typed."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ribambelle.billing.tests.conftest import office_a  # noqa: F401 - shared fixture
from ribambelle.conftest import logged_in
from ribambelle.debits.models import Debit, DebitReturn
from ribambelle.debits.tests.factories_returns import ReturnsCreditorFactory, sent_debit

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


def url(name, slug="ville-a"):
    return reverse(f"debits_returns:{name}", kwargs={"municipality_slug": slug})


def text_of(response) -> str:
    text = response.content.decode().replace("&nbsp;", " ")
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def creditor(office_a):  # noqa: F811
    return ReturnsCreditorFactory(office=office_a)


@pytest.fixture
def debit(creditor, household_a):
    return sent_debit(creditor.office, household_a, end_to_end_id="RIB-2026-12-000001")


def camt(name="camt054.xml"):
    return SimpleUploadedFile(name, (DATA / "camt054_returns.xml").read_bytes())


# The list


def test_staff_see_the_returns_with_their_reason_in_french(agent_client, debit, agent_a):
    from ribambelle.debits.returns.services import returns_import

    returns_import(office=debit.mandate.office, uploaded_file=camt(), actor=agent_a)
    response = agent_client.get(url("list"))
    assert response.status_code == 200
    text = text_of(response)
    assert "AM04 : provision insuffisante" in text
    assert "Foyer Martin" in text
    assert "30,00 €" in text
    assert "camt.054.001.02" in text


def test_the_list_is_404_for_another_municipality(agent_b, debit):
    assert logged_in(agent_b).get(url("list")).status_code == 404


def test_the_list_is_403_for_a_parent(alice_client):
    assert alice_client.get(url("list")).status_code == 403


# The import


def test_staff_import_a_file_and_read_its_summary(agent_client, creditor, debit):
    data = {"office": creditor.office_id, "file": camt()}
    response = agent_client.post(url("upload"), data)
    assert response.status_code == 200
    text = text_of(response)
    assert "1 prélèvement rejeté enregistré" in text
    assert "0 rejet" in text and "déjà connu" in text
    assert "2 références inconnues" in text
    assert "EAU-2026-11-778812" in text
    debit.refresh_from_db()
    assert debit.status == Debit.Status.RETURNED
    again = agent_client.post(url("upload"), {"office": creditor.office_id, "file": camt()})
    assert "déjà été importé" in text_of(again)
    assert DebitReturn.objects.count() == 1


def test_a_file_that_is_not_xml_is_refused_in_french(agent_client, creditor):
    bad = SimpleUploadedFile("releve.pdf", b"%PDF-1.7")
    response = agent_client.post(url("upload"), {"office": creditor.office_id, "file": bad})
    assert response.status_code == 400
    assert "pas un fichier XML lisible" in text_of(response)


def test_the_import_is_404_for_another_municipality(agent_b, creditor, debit):
    response = logged_in(agent_b).post(
        url("upload"), {"office": creditor.office_id, "file": camt()}
    )
    assert response.status_code == 404
    debit.refresh_from_db()
    assert debit.status == Debit.Status.SENT


def test_another_municipality_s_office_is_not_a_choice(agent_b, creditor, debit, municipality_b):
    other = ReturnsCreditorFactory(office__municipality=municipality_b)
    response = logged_in(agent_b).post(
        url("upload", "ville-b"), {"office": creditor.office_id, "file": camt()}
    )
    assert response.status_code == 400
    assert other.office_id != creditor.office_id
    debit.refresh_from_db()
    assert debit.status == Debit.Status.SENT


def test_the_import_is_403_for_read_only_staff(readonly_client, creditor, debit):
    response = readonly_client.post(url("upload"), {"office": creditor.office_id, "file": camt()})
    assert response.status_code == 403


# By hand


def test_staff_record_a_return_by_hand(agent_client, debit, household_a):
    page = agent_client.get(url("add"))
    assert page.status_code == 200
    assert "Foyer Martin, facture" in text_of(page)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = {"debit": debit.pk, "reason_code": "MS02", "returned_on": yesterday.isoformat()}
    response = agent_client.post(url("add"), data)
    assert response.status_code == 302
    debit.refresh_from_db()
    assert (debit.status, debit.return_record.reason_code) == ("returned", "MS02")
    assert debit.return_record.fee == Decimal("5.00")


def test_a_manual_return_refused_keeps_what_was_typed(agent_client, debit):
    data = {"debit": debit.pk, "reason_code": "MS02", "returned_on": "2099-01-15"}
    response = agent_client.post(url("add"), data)
    assert response.status_code == 400
    text = text_of(response)
    assert "ne peut pas être dans le futur" in text
    assert 'value="2099-01-15"' in text
    debit.refresh_from_db()
    assert debit.status == Debit.Status.SENT


def test_a_debit_of_another_municipality_cannot_be_chosen(agent_b, debit, municipality_b):
    data = {"debit": debit.pk, "reason_code": "MS02", "returned_on": "2026-11-20"}
    response = logged_in(agent_b).post(url("add", "ville-b"), data)
    assert response.status_code == 400
    debit.refresh_from_db()
    assert debit.status == Debit.Status.SENT


def test_the_manual_entry_is_404_for_another_municipality(agent_b):
    assert logged_in(agent_b).get(url("add")).status_code == 404


def test_the_manual_entry_is_403_for_read_only_staff_and_parents(readonly_client, alice_client):
    assert readonly_client.get(url("add")).status_code == 403
    assert alice_client.get(url("add")).status_code == 403


def test_after_a_return_the_family_can_pay_the_invoice_online_again(
    alice_client, creditor, debit, agent_a
):
    from ribambelle.billing.models import BillingOffice, Invoice
    from ribambelle.billing.payments.registry import can_pay_online
    from ribambelle.debits.returns.services import returns_import

    office = creditor.office
    office.provider = BillingOffice.Provider.DEMO
    office.provider_options = {"demo_enabled": True}
    office.save()
    invoice = Invoice.objects.get(pk=debit.invoice_id)
    assert not can_pay_online(invoice)
    returns_import(office=office, uploaded_file=camt(), actor=agent_a)
    invoice.refresh_from_db()
    assert can_pay_online(invoice)
    page = text_of(alice_client.get(reverse("billing:invoices", args=["ville-a"])))
    assert "Prélèvement rejeté, facture " + invoice.number in page
    assert "AM04 : provision insuffisante" in page
    assert "Solde : 35,00 € à payer" in page
