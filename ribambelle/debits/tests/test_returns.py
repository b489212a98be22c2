"""Returned debits: a camt.054 or pain.002 file of the bank puts each invoice back to unpaid
with its "Payer", charges the creditor's fee on the family account, e-mails the family and
suspends the mandate after the set number of returns; the same file imported again changes
nothing. Hostile or unknown files are refused in French."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ribambelle.billing.account import selectors as account_selectors
from ribambelle.billing.models import AccountMovement, Invoice, Payment
from ribambelle.billing.tests.conftest import office_a  # noqa: F401 - shared fixture
from ribambelle.billing.tests.test_account import check_account
from ribambelle.core.models import AuditEntry
from ribambelle.debits.models import Debit, DebitReturn, Mandate, ReturnFile
from ribambelle.debits.returns import parsers
from ribambelle.debits.returns.reasons import REASONS, reason_label
from ribambelle.debits.returns.services import debit_return_record, returns_import
from ribambelle.debits.tests.factories_returns import (
    ReturnsCreditorFactory,
    ReturnsMandateFactory,
    scheduled_debit,
    sent_debit,
)
from ribambelle.families.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
Kind = AccountMovement.Kind


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes() if content is None else content)


@pytest.fixture
def creditor(office_a):  # noqa: F811
    return ReturnsCreditorFactory(office=office_a, return_fee=Decimal("5.00"))


@pytest.fixture
def debits(creditor, household_a, municipality_a):
    """Three debits sent on 10 December: two of the Martin household (one mandate), one of
    another household."""
    office = creditor.office
    first = sent_debit(office, household_a, end_to_end_id="RIB-2026-12-000001")
    second = sent_debit(
        office, household_a, total=Decimal("31.50"), end_to_end_id="RIB-2026-12-000002"
    )
    other = HouseholdFactory(municipality=municipality_a)
    third = sent_debit(office, other, total=Decimal("24.00"), end_to_end_id="RIB-2026-12-000003")
    return first, second, third


def state(debit: Debit) -> tuple:
    debit.refresh_from_db()
    invoice = debit.invoice
    invoice.refresh_from_db()
    return debit.status, invoice.collection, invoice.due, debit.payment.status


# camt.054


def test_a_camt_054_returns_each_debit_charges_the_fee_and_suspends_after_two(
    debits, creditor, agent_a, household_a, mailoutbox, django_capture_on_commit_callbacks
):
    first, second, third = debits
    mandate = first.mandate
    scheduled = scheduled_debit(creditor.office, mandate)
    with django_capture_on_commit_callbacks(execute=True):
        result = returns_import(
            office=creditor.office, uploaded_file=upload("camt054_returns.xml"), actor=agent_a
        )
    assert not result.already_imported
    assert [r.debit for r in result.returned] == [first, second]
    assert (result.known, result.unknown) == ([], ["EAU-2026-11-778812"])
    assert state(first) == ("returned", "", Decimal("30.00"), Payment.Status.RETURNED)
    assert state(second) == ("returned", "", Decimal("31.50"), Payment.Status.RETURNED)
    assert state(third)[0] == "sent"
    record = first.return_record
    assert (record.reason_code, record.returned_on, record.fee) == (
        "AM04",
        datetime.date(2026, 12, 14),
        Decimal("5.00"),
    )
    assert record.source == result.file
    assert result.file.kind == "camt.054.001.02"
    # The account: both invoices due again and two fees of 5,00 €.
    summary = account_selectors.account_summary(household_a)
    # 30,00 + 31,50 due again, 2 x 5,00 of fees, and the 12,00 € invoice no longer collected.
    assert (summary.balance, summary.credit) == (Decimal("-83.50"), Decimal("-10.00"))
    fees = AccountMovement.objects.filter(household=household_a, kind=Kind.FEE)
    assert sorted(fees.values_list("amount_cents", flat=True)) == [-500, -500]
    check_account(household_a)
    # Two returns on the mandate: suspended, its scheduled debit cancelled, "Payer" back.
    mandate.refresh_from_db()
    assert (mandate.returns, mandate.status) == (2, Mandate.Status.SUSPENDED)
    scheduled.refresh_from_db()
    assert scheduled.status == Debit.Status.CANCELLED
    assert Invoice.objects.get(pk=scheduled.invoice_id).collection == ""
    # Alice and Bob are told, each for both invoices, with the reason in French.
    assert len(mailoutbox) == 4
    message = next(m for m in mailoutbox if first.invoice.number in m.subject)
    assert message.subject == f"Prélèvement rejeté : facture {first.invoice.number}"
    assert "provision insuffisante" in message.body
    assert "30,00 €" in message.body or "30.00 €" in message.body
    assert "5,00 €" in message.body or "5.00 €" in message.body
    assert "suspendu" in mail.outbox[-1].body
    audited = AuditEntry.objects.filter(actor=agent_a, target_type="debits.debitreturn")
    assert sorted(audited.values_list("target_id", flat=True)) == sorted(
        [first.return_record.pk, second.return_record.pk]
    )


def test_importing_the_same_file_twice_changes_nothing_more(debits, creditor, agent_a):
    returns_import(
        office=creditor.office, uploaded_file=upload("camt054_returns.xml"), actor=agent_a
    )
    movements = AccountMovement.objects.count()
    again = returns_import(
        office=creditor.office, uploaded_file=upload("camt054_returns.xml"), actor=agent_a
    )
    assert again.already_imported and not again.returned
    assert AccountMovement.objects.count() == movements
    assert ReturnFile.objects.count() == 1
    assert DebitReturn.objects.count() == 2
    assert debits[0].mandate.__class__.objects.get(pk=debits[0].mandate_id).returns == 2


def test_a_return_already_known_from_another_file_is_counted_as_known(debits, creditor, agent_a):
    content = upload("camt054_returns.xml").read()
    returns_import(office=creditor.office, uploaded_file=upload("a.xml", content), actor=agent_a)
    # The same returns in a file that differs (a later notification repeating them).
    repeated = content.replace(b"CAMT054-20261215-0001", b"CAMT054-20261216-0001")
    result = returns_import(
        office=creditor.office, uploaded_file=upload("b.xml", repeated), actor=agent_a
    )
    assert not result.already_imported
    assert result.known == ["RIB-2026-12-000001", "RIB-2026-12-000002"]
    assert result.returned == []
    assert DebitReturn.objects.count() == 2


# pain.002


def test_a_pain_002_rejection_puts_the_invoice_back_to_unpaid(
    debits, creditor, agent_a, mailoutbox, django_capture_on_commit_callbacks
):
    third = debits[2]
    with django_capture_on_commit_callbacks(execute=True):
        result = returns_import(
            office=creditor.office, uploaded_file=upload("pain002_rejects.xml"), actor=agent_a
        )
    assert result.file.kind == "pain.002.001.03"
    assert [r.debit for r in result.returned] == [third]
    assert result.unknown == ["RIB-2026-12-999999"]
    assert state(third) == ("returned", "", Decimal("24.00"), Payment.Status.RETURNED)
    assert third.return_record.reason_code == "AC04"
    assert third.return_record.returned_on == datetime.date(2026, 12, 9)
    third.mandate.refresh_from_db()
    assert (third.mandate.returns, third.mandate.status) == (1, Mandate.Status.ACTIVE)
    check_account(third.invoice.household)
    # The other household has no guardian account: no e-mail, and no error.
    assert mailoutbox == []


def test_debits_of_another_office_are_unknown(debits, creditor, agent_a, municipality_b):
    other_creditor = ReturnsCreditorFactory(office__municipality=municipality_b)
    result = returns_import(
        office=other_creditor.office, uploaded_file=upload("camt054_returns.xml"), actor=agent_a
    )
    assert result.returned == []
    assert len(result.unknown) == 3
    assert state(debits[0])[0] == "sent"


# Files refused


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 not xml", "pas un fichier XML"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.008.001.02'/>", "ni un avis"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<d>&x;</d>",
            "DTD",
        ),
    ],
)
def test_a_file_that_is_not_a_return_file_is_refused(content, message, creditor, agent_a):
    with pytest.raises(ValidationError, match=message):
        returns_import(
            office=creditor.office, uploaded_file=upload("x.xml", content), actor=agent_a
        )
    assert not ReturnFile.objects.exists()


def test_the_parser_reads_no_entity_and_no_network():
    with pytest.raises(parsers.ReturnFileError):
        parsers.parse(b'<!DOCTYPE d [<!ENTITY x SYSTEM "http://example.invalid/">]><d>&x;</d>')


# By hand

AFTER_RETURN = datetime.datetime(2026, 12, 16, 9, 0, tzinfo=datetime.UTC)


@time_machine.travel(AFTER_RETURN, tick=False)
def test_staff_record_a_return_by_hand(debits, creditor, agent_a, household_a):
    first = debits[0]
    record = debit_return_record(
        municipality=household_a.municipality,
        debit=first,
        reason_code="MD06",
        returned_on=datetime.date(2026, 12, 12),
        actor=agent_a,
    )
    assert (record.reason_code, record.source, record.created_by) == ("MD06", None, agent_a)
    assert state(first)[:2] == ("returned", "")
    with pytest.raises(ValidationError, match="pas en cours"):
        debit_return_record(
            municipality=household_a.municipality,
            debit=first,
            reason_code="MD06",
            returned_on=datetime.date(2026, 12, 12),
            actor=agent_a,
        )
    check_account(household_a)


def test_a_manual_return_checks_its_reason_and_municipality(debits, agent_a, municipality_b):
    first = debits[0]
    with pytest.raises(ValidationError, match="motif"):
        debit_return_record(
            municipality=first.municipality,
            debit=first,
            reason_code="ZZ99",
            returned_on=datetime.date(2026, 12, 12),
            actor=agent_a,
        )
    with pytest.raises(ValidationError, match="n'existe pas"):
        debit_return_record(
            municipality=municipality_b,
            debit=first,
            reason_code="AM04",
            returned_on=datetime.date(2026, 12, 12),
            actor=agent_a,
        )
    with pytest.raises(ValidationError, match="futur"):
        debit_return_record(
            municipality=first.municipality,
            debit=first,
            reason_code="AM04",
            returned_on=datetime.date(2027, 12, 12),
            actor=agent_a,
        )
    assert state(first)[0] == "sent"


def test_reason_codes_read_in_french():
    assert reason_label("AM04") == "AM04 : provision insuffisante"
    assert reason_label("MD01") == "MD01 : pas de mandat"
    assert reason_label("AC04") == "AC04 : compte clos"
    assert reason_label("XX00") == "XX00"
    assert {"AC01", "AC06", "AG01", "AG02", "AM05", "BE05", "CNOR", "DNOR", "FF01"} <= set(REASONS)
    assert {"MD02", "MD06", "MD07", "MS02", "MS03", "RC01", "RR01", "RR04", "SL01"} <= set(REASONS)


@time_machine.travel(AFTER_RETURN, tick=False)
def test_a_returned_mandate_is_counted_not_suspended_before_the_setting(
    creditor, household_a, agent_a
):
    creditor.returns_before_suspension = 3
    creditor.save()
    mandate = ReturnsMandateFactory(office=creditor.office, household=household_a)
    debit = sent_debit(creditor.office, household_a, mandate=mandate)
    debit_return_record(
        municipality=household_a.municipality,
        debit=debit,
        reason_code="AM04",
        returned_on=datetime.date(2026, 12, 12),
        actor=agent_a,
    )
    mandate.refresh_from_db()
    assert (mandate.returns, mandate.status) == (1, Mandate.Status.ACTIVE)


def test_a_pain_002_refusing_a_whole_file_is_told_and_changes_nothing(debits, creditor, agent_a):
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        b"<GrpHdr><MsgId>PSR-1</MsgId><CreDtTm>2026-12-09T18:03:11</CreDtTm></GrpHdr>"
        b"<OrgnlGrpInfAndSts><OrgnlMsgId>RET-1-20261210</OrgnlMsgId>"
        b"<OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>"
        b"<StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>"
        b"</CstmrPmtStsRpt></Document>"
    )
    result = returns_import(
        office=creditor.office, uploaded_file=upload("psr.xml", content), actor=agent_a
    )
    assert result.refused == ["RET-1-20261210 (FF01)"]
    assert (result.returned, result.unknown) == ([], [])
    assert all(state(debit)[0] == "sent" for debit in debits)


@time_machine.travel(AFTER_RETURN, tick=False)
@pytest.mark.parametrize(
    ("reason", "fee", "counted"),
    [("AM04", Decimal("5.00"), 1), ("FF01", Decimal("0.00"), 0), ("MD07", Decimal("0.00"), 0)],
)
def test_only_the_debtors_returns_cost_a_fee_and_count(
    debits, creditor, agent_a, household_a, reason, fee, counted
):
    """A file error, a duplicate or a death is not the family's doing: no fee, and the
    mandate's count toward suspension does not move."""
    first = debits[0]
    record = debit_return_record(
        municipality=household_a.municipality,
        debit=first,
        reason_code=reason,
        returned_on=datetime.date(2026, 12, 12),
        actor=agent_a,
    )
    assert record.fee == fee
    first.mandate.refresh_from_db()
    assert first.mandate.returns == counted
    charged = AccountMovement.objects.filter(household=household_a, kind=Kind.FEE)
    assert sum(movement.amount for movement in charged) == -fee
    check_account(household_a)


@time_machine.travel(AFTER_RETURN, tick=False)
def test_a_returned_first_debit_makes_the_next_one_first_again(debits, agent_a, household_a):
    first = debits[0]
    Debit.objects.filter(pk=first.pk).update(sequence=Debit.Sequence.FIRST)
    Debit.objects.filter(mandate=first.mandate).exclude(pk=first.pk).update(
        status=Debit.Status.RETURNED
    )
    Mandate.objects.filter(pk=first.mandate_id).update(
        last_collected_on=datetime.date(2026, 12, 10)
    )
    debit_return_record(
        municipality=household_a.municipality,
        debit=first,
        reason_code="AM04",
        returned_on=datetime.date(2026, 12, 12),
        actor=agent_a,
    )
    first.mandate.refresh_from_db()
    assert first.mandate.last_collected_on is None
