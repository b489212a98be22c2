"""Refunds of a family's credit by credit transfer: the REFUND movement posted once when staff
decide it, never beyond the credit, then a pain.001.001.03 file of the office's pending
transfers that validates against the ISO 20022 XSD shipped by sepaxml."""

from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from django.core.exceptions import ValidationError
from lxml import etree

from ribambelle.billing.account import selectors as account_selectors
from ribambelle.billing.models import AccountMovement
from ribambelle.billing.tests.conftest import office_a  # noqa: F401 - shared fixture
from ribambelle.billing.tests.factories import CreditMovementFactory
from ribambelle.debits.models import RefundTransfer
from ribambelle.debits.refunds.services import refund_file_generate, refund_transfer_create
from ribambelle.debits.tests.factories_returns import (
    DEBTOR_IBAN,
    ReturnsCreditorFactory,
    ReturnsMandateFactory,
)

pytestmark = pytest.mark.django_db

XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
NS = {"d": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


@pytest.fixture
def creditor(office_a):  # noqa: F811
    return ReturnsCreditorFactory(office=office_a, name="Régie enfance de Ville A")


@pytest.fixture
def holder(creditor, household_a):
    """The Martin household: 12,50 € of credit and a mandate with the office."""
    CreditMovementFactory(household=household_a)
    ReturnsMandateFactory(office=creditor.office, household=household_a)
    return household_a


def test_a_refund_posts_one_refund_movement_and_goes_into_a_valid_file(creditor, holder, agent_a):
    transfer = refund_transfer_create(
        municipality=holder.municipality,
        office=creditor.office,
        household=holder,
        amount=Decimal("12.50"),
        actor=agent_a,
    )
    assert transfer.status == RefundTransfer.Status.PENDING
    assert account_selectors.account_summary(holder).credit == Decimal("0.00")
    refunds = AccountMovement.objects.filter(household=holder, kind="refund")
    assert list(refunds.values_list("amount_cents", "credit_cents", "method")) == [
        (-1250, -1250, "transfer")
    ]
    refund_file = refund_file_generate(office=creditor.office, execution_on=None, actor=agent_a)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.file) == (RefundTransfer.Status.IN_FILE, refund_file)
    assert (refund_file.count, refund_file.total_cents) == (1, 1250)
    content = refund_file.file.open("rb").read()
    xmlschema.XMLSchema(str(XSD)).validate(content.decode())
    root = etree.fromstring(content)
    assert root.findtext("d:CstmrCdtTrfInitn/d:GrpHdr/d:MsgId", namespaces=NS) == (
        refund_file.message_id
    )
    assert root.findtext("d:CstmrCdtTrfInitn/d:GrpHdr/d:CtrlSum", namespaces=NS) == "12.50"
    assert root.findtext("d:CstmrCdtTrfInitn/d:GrpHdr/d:NbOfTxs", namespaces=NS) == "1"
    transaction = root.find("d:CstmrCdtTrfInitn/d:PmtInf/d:CdtTrfTxInf", namespaces=NS)
    assert transaction.findtext("d:CdtrAcct/d:Id/d:IBAN", namespaces=NS) == DEBTOR_IBAN
    assert transaction.findtext("d:PmtId/d:EndToEndId", namespaces=NS) == (transfer.end_to_end_id)
    # Nothing pending any more: no second file, and the movement is still the only one.
    with pytest.raises(ValidationError, match="Aucun remboursement"):
        refund_file_generate(office=creditor.office, execution_on=None, actor=agent_a)
    assert refunds.count() == 1


def test_a_refund_beyond_the_credit_or_without_mandate_is_refused(
    creditor, holder, agent_a, municipality_a
):
    with pytest.raises(ValidationError, match="crédit du foyer"):
        refund_transfer_create(
            municipality=municipality_a,
            office=creditor.office,
            household=holder,
            amount=Decimal("12.51"),
            actor=agent_a,
        )
    without = CreditMovementFactory(household__municipality=municipality_a).household
    with pytest.raises(ValidationError, match="pas de mandat"):
        refund_transfer_create(
            municipality=municipality_a,
            office=creditor.office,
            household=without,
            amount=Decimal("1.00"),
            actor=agent_a,
        )
    assert not RefundTransfer.objects.exists()
    assert not AccountMovement.objects.filter(kind="refund").exists()


def test_a_refund_for_another_municipality_is_refused(creditor, holder, agent_b, municipality_b):
    with pytest.raises(ValidationError, match="n'existe pas"):
        refund_transfer_create(
            municipality=municipality_b,
            office=creditor.office,
            household=holder,
            amount=Decimal("1.00"),
            actor=agent_b,
        )


def test_a_refund_goes_to_the_account_the_family_holds_when_the_file_is_made(
    creditor, holder, agent_a
):
    """Decided on the old account, sent after the family changed accounts: the new one."""
    from ribambelle.core.crypto import secret_encrypt
    from ribambelle.debits.models import Mandate

    transfer = refund_transfer_create(
        municipality=holder.municipality,
        office=creditor.office,
        household=holder,
        amount=Decimal("12.50"),
        actor=agent_a,
    )
    old = transfer.mandate
    new_iban = "DE89370400440532013000"
    old.status = Mandate.Status.REPLACED
    old.save()
    new = ReturnsMandateFactory(
        office=creditor.office,
        household=holder,
        reference=old.reference,
        version=2,
        amended=True,
        iban=secret_encrypt(new_iban),
        iban_last4=new_iban[-4:],
    )
    old.replaced_by = new
    old.save()
    refund_file = refund_file_generate(office=creditor.office, execution_on=None, actor=agent_a)
    root = etree.fromstring(refund_file.file.open("rb").read())
    transaction = root.find("d:CstmrCdtTrfInitn/d:PmtInf/d:CdtTrfTxInf", namespaces=NS)
    assert transaction.findtext("d:CdtrAcct/d:Id/d:IBAN", namespaces=NS) == new_iban
