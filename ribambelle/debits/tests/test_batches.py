"""The collection file of an office for a date: valid pain.008, totals equal to the invoices',
immutable, the debits sent and paid, a constant number of queries."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from ribambelle.billing.models import AccountMovement, Invoice, Payment
from ribambelle.billing.services import payment_record
from ribambelle.billing.tests.factories import BillingOfficeFactory
from ribambelle.core.crypto import secret_encrypt
from ribambelle.debits.collections import sepa
from ribambelle.debits.collections.services import CollectionError, batch_generate
from ribambelle.debits.models import Debit, DebitBatch, Mandate
from ribambelle.debits.tests.conftest import COLLECTION_DAY, issue
from ribambelle.debits.tests.factories import CreditorFactory, MandateFactory

pytestmark = pytest.mark.django_db
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


def read(batch: DebitBatch) -> bytes:
    with batch.file.open("rb") as stream:
        return stream.read()


def test_the_batch_validates_and_its_totals_are_the_invoices(office_a, mandated, manager_a):
    mandated[1].last_collected_on = datetime.date(2026, 11, 10)
    mandated[1].save()
    invoices = issue(office_a, ["12.50", "30.00", "8.05"], mandates=mandated)
    batch = batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=manager_a)
    data = read(batch)
    # The official schema shipped by sepaxml, through a second validator (xmlschema).
    xmlschema.XMLSchema(str(sepa.SCHEMAS / "pain.008.001.02.xsd")).validate(data.decode())
    tree = etree.fromstring(data)
    assert tree.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert tree.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "50.55"
    assert tree.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=NS) == (
        batch.message_id
    )
    assert (batch.count, batch.total_cents) == (3, 5055)
    assert sum(invoice.total for invoice in invoices) == Decimal("50.55")
    blocks = {
        info.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS): info.findtext(
            "p:NbOfTxs", namespaces=NS
        )
        for info in tree.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", namespaces=NS)
    }
    assert blocks == {"FRST": "2", "RCUR": "1"}
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.collection == Invoice.Collection.DEBIT_SENT
        assert invoice.due == Decimal("0.00")
    debits = list(Debit.objects.select_related("payment", "mandate"))
    assert {debit.status for debit in debits} == {Debit.Status.SENT}
    assert {debit.sequence for debit in debits if debit.mandate == mandated[1]} == {"RCUR"}
    for debit in debits:
        assert debit.end_to_end_id == f"RBL-D{debit.pk}"
        assert debit.end_to_end_id.encode() in data
        assert debit.payment.method == Payment.Method.DEBIT
        assert debit.payment.status == Payment.Status.PAID
        assert debit.payment.received_on == COLLECTION_DAY
        assert debit.mandate.last_collected_on == COLLECTION_DAY
    assert AccountMovement.objects.filter(kind="payment", method="debit").count() == 3


def test_generating_again_gives_the_same_file(office_a, mandated, manager_a):
    issue(office_a, ["12.50", "30.00"], mandates=mandated)
    first = batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=manager_a)
    data = read(first)
    again = batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=None)
    assert again.pk == first.pk
    assert read(again) == data
    assert again.sha256 == first.sha256
    assert Payment.objects.count() == 2
    assert DebitBatch.objects.count() == 1


def test_the_builder_is_deterministic():
    arguments = {
        "scheme": sepa.PAIN_008_001_02,
        "message_id": "RBL-1-20261210-1",
        "created_at": datetime.datetime(2026, 11, 30, 10, 0),
        "creditor": sepa.CreditorAccount(
            "Ville A", "FR72ZZZ123456", "FR1420041010050500013M02606", "PSSTFRPP"
        ),
        "collection_on": COLLECTION_DAY,
    }
    transaction = sepa.Transaction(
        end_to_end_id="RBL-D1",
        amount_cents=1250,
        sequence="FRST",
        mandate_reference="RBL-TEST-1",
        signed_on=datetime.date(2026, 10, 1),
        debtor_name="Zoé Lefèvre & fils_*",
        iban="FR7630004000031234567890143",
        bic="",
        description="Facture F-2026-000001",
    )
    first = sepa.build(**arguments, transactions=[transaction])
    assert sepa.build(**arguments, transactions=[transaction]) == first
    assert b"NOTPROVIDED" in first  # no BIC: the debtor's bank found from the IBAN
    assert b"<Nm>Zoe Lefevre fils</Nm>" in first  # the SEPA characters only


def test_pain_008_001_08(office_a, mandated, manager_a):
    issue(office_a, ["12.50"], mandates=mandated)
    batch = batch_generate(
        office=office_a, collection_on=COLLECTION_DAY, actor=manager_a, scheme=sepa.PAIN_008_001_08
    )
    data = read(batch)
    assert b"pain.008.001.08" in data
    xmlschema.XMLSchema(str(sepa.SCHEMAS / "pain.008.001.08.xsd")).validate(data.decode())


def test_an_amended_mandate_at_another_bank_is_first_with_smnda(office_a, creditor_a, manager_a):
    old = MandateFactory(
        office=office_a,
        last_collected_on=datetime.date(2026, 10, 10),
        status=Mandate.Status.REPLACED,
    )
    new_iban = "FR1420041010050500013M02606"
    new = MandateFactory(
        office=office_a,
        household=old.household,
        reference=old.reference,
        version=2,
        amended=True,
        iban=secret_encrypt(new_iban),
        iban_last4=new_iban[-4:],
        bic="PSSTFRPP",
    )
    old.replaced_by = new
    old.save()
    issue(office_a, ["20.00"], mandates=[new])
    data = read(batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=manager_a))
    sepa.validate(data, sepa.PAIN_008_001_02)
    tree = etree.fromstring(data)
    assert tree.findtext(".//p:SeqTp", namespaces=NS) == "FRST"
    assert tree.findtext(".//p:AmdmntInd", namespaces=NS) == "true"
    assert tree.findtext(".//p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=NS) == "SMNDA"


def test_paid_meanwhile_is_cancelled_and_partly_paid_collects_the_rest(
    office_a, mandated, manager_a
):
    invoices = issue(office_a, ["12.50", "30.00", "10.00"], mandates=mandated)
    for invoice, amount in [(invoices[0], "12.50"), (invoices[1], "10.00")]:
        payment_record(
            municipality=office_a.municipality,
            invoice=invoice,
            amount=Decimal(amount),
            method=Payment.Method.CHEQUE,
            received_on=datetime.date(2026, 12, 1),
            reference="",
            actor=manager_a,
        )
    mandated[2].status = Mandate.Status.REVOKED
    mandated[2].save()
    batch = batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=manager_a)
    assert (batch.count, batch.total_cents) == (1, 2000)
    statuses = dict(Debit.objects.values_list("invoice_id", "status"))
    assert statuses == {
        invoices[0].pk: Debit.Status.CANCELLED,
        invoices[1].pk: Debit.Status.SENT,
        invoices[2].pk: Debit.Status.CANCELLED,
    }
    revoked = Invoice.objects.get(pk=invoices[2].pk)
    assert (revoked.collection, revoked.due) == ("", Decimal("10.00"))
    assert Debit.objects.get(invoice=invoices[1]).amount_cents == 2000


def test_nothing_to_collect_is_refused(office_a, creditor_a, manager_a):
    with pytest.raises(CollectionError, match="Aucun prélèvement"):
        batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=manager_a)
    assert not DebitBatch.objects.exists()


def _queries(office, count):
    mandates = [MandateFactory(office=office) for _ in range(count)]
    issue(office, ["10.00"] * count, mandates=mandates)
    day = Debit.objects.filter(mandate__in=mandates).values_list("collection_on").first()[0]
    with CaptureQueriesContext(connection) as captured:
        batch = batch_generate(office=office, collection_on=day, actor=None)
    assert batch.count == count
    return len(captured)


def test_a_batch_costs_a_constant_number_of_queries(office_a, creditor_a, municipality_a):
    other = BillingOfficeFactory(municipality=municipality_a, name="Régie sport")
    CreditorFactory(office=other)
    assert _queries(office_a, 2) == _queries(other, 15)


def test_schemas_are_the_library_s():
    assert Path(sepa.SCHEMAS, "pain.008.001.02.xsd").exists()
