"""Services of mandates: signing online (RUM, PDF in the mandate, in "Mes documents" and by
e-mail), a change of account as a new version, revocation, suspension, paper mandates, expiry
after 36 months and the cancellation of the debits not yet sent; every change audited."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from ribambelle.billing.models import Invoice
from ribambelle.bookings.rules import PARIS
from ribambelle.core.crypto import secret_decrypt
from ribambelle.core.models import AuditEntry
from ribambelle.debits.mandates import services
from ribambelle.debits.mandates.services import CreditorValues, MandateError
from ribambelle.debits.models import Creditor, Debit, DebitBatch, Mandate
from ribambelle.debits.tests.mandates.factories import (
    CREDITOR_IBAN,
    DEBTOR_IBAN,
    OTHER_IBAN,
    account_values,
    scheduled_debit,
)
from ribambelle.families.models import FamilyDocument
from ribambelle.families.tests.factories import PDF

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def entries(target, action=None):
    found = AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=target.pk)
    return found.filter(action=action) if action else found


# Signing online


def test_a_signed_mandate_is_active_with_its_pdf_document_and_email(
    creditor_a, household_a, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mandate = services.mandate_sign(
            household=household_a, office=creditor_a.office, actor=alice, values=account_values()
        )
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACTIVE
    assert mandate.origin == Mandate.Origin.ONLINE
    assert mandate.signed_on == datetime.date(2026, 11, 23)
    assert mandate.signed_by == alice
    assert mandate.reference.startswith(f"RBL-{creditor_a.office_id}-{household_a.pk}-")
    assert (mandate.version, mandate.amended) == (1, False)
    assert secret_decrypt(mandate.iban) == DEBTOR_IBAN
    assert DEBTOR_IBAN not in mandate.iban
    assert (mandate.iban_country, mandate.iban_last4, mandate.bic) == ("FR", "2606", "")
    with mandate.document.open("rb") as handle:
        content = handle.read()
    text = "".join(page.extract_text() for page in PdfReader(mandate.document.path).pages)
    assert content.startswith(b"%PDF-")
    for expected in ["Régie enfance de Ville A", "FR72ZZZ123456", mandate.reference, "8 semaines"]:
        assert expected in text
    assert DEBTOR_IBAN not in text
    document = FamilyDocument.objects.get(household=household_a, kind="mandate")
    assert document.issued
    assert document.version_key == f"mandate-{creditor_a.office_id}-{mandate.reference}"
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {"alice@example.org", "bob@example.org"}
    message = sent["alice@example.org"]
    assert mandate.reference in message.subject
    assert "FR•• •••• 2606" in message.body
    assert message.attachments[0][0] == f"mandat-sepa-{mandate.reference}.pdf"
    entry = entries(mandate, AuditEntry.Action.CREATE).get()
    assert entry.actor == alice
    assert entry.after["iban"] == "FR•• •••• 2606"
    assert DEBTOR_IBAN not in str(entry.after)


def test_one_mandate_in_force_per_household_and_office(mandate_a, household_a, alice):
    with pytest.raises(MandateError, match="déjà un mandat en vigueur"):
        services.mandate_sign(
            household=household_a, office=mandate_a.office, actor=alice, values=account_values()
        )
    assert Mandate.objects.count() == 1
    assert not mail.outbox


def test_an_office_without_creditor_offers_no_mandate(office_a, household_a, alice):
    with pytest.raises(MandateError, match="ne propose pas le prélèvement"):
        services.mandate_sign(
            household=household_a, office=office_a, actor=alice, values=account_values()
        )


def test_the_bic_is_required_for_an_account_outside_the_eea(creditor_a, household_a, alice):
    with pytest.raises(MandateError.__mro__[1], match="BIC"):
        services.mandate_sign(
            household=household_a,
            office=creditor_a.office,
            actor=alice,
            values=account_values(iban="CH9300762011623852957"),
        )
    assert not Mandate.objects.exists()


def test_the_references_are_unique_per_creditor(creditor_a, household_a, alice, monkeypatch):
    """A drawn reference that exists is drawn again."""
    first = services.mandate_sign(
        household=household_a, office=creditor_a.office, actor=alice, values=account_values()
    )
    services.mandate_revoke(mandate=first, actor=alice)
    draws = iter([first.reference.lower(), first.reference, "RBL-9-9-NEWONE"])
    monkeypatch.setattr(services.rules, "rum_generate", lambda *_args: next(draws))
    second = services.mandate_sign(
        household=household_a, office=creditor_a.office, actor=alice, values=account_values()
    )
    assert second.reference == "RBL-9-9-NEWONE"


# A change of account


def test_a_change_of_account_is_a_new_version_of_the_same_reference(
    mandate_a, alice, django_capture_on_commit_callbacks
):
    mandate_a.last_collected_on = datetime.date(2026, 11, 10)
    mandate_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        new = services.mandate_amend(
            mandate=mandate_a, actor=alice, values=account_values(iban=OTHER_IBAN)
        )
    mandate_a.refresh_from_db()
    assert (new.reference, new.version, new.amended) == (mandate_a.reference, 2, True)
    assert new.status == Mandate.Status.ACTIVE
    # The new version has not been collected: its first debit says it was amended.
    assert new.last_collected_on is None
    assert secret_decrypt(new.iban) == OTHER_IBAN
    assert (new.iban_country, new.iban_last4) == ("DE", "3000")
    assert mandate_a.status == Mandate.Status.REPLACED
    assert mandate_a.replaced_by == new
    assert mandate_a.ended_at is not None
    assert new.document.name
    documents = FamilyDocument.objects.filter(kind="mandate", household=mandate_a.household)
    assert documents.count() == 1  # the factory's mandate had none
    assert entries(mandate_a, AuditEntry.Action.UPDATE).get().after["status"] == "replaced"
    assert entries(new, AuditEntry.Action.CREATE).exists()
    assert "a été modifié" in mail.outbox[0].subject


def test_the_debits_not_yet_sent_follow_the_new_version(mandate_a, alice):
    scheduled = scheduled_debit(mandate_a)
    new = services.mandate_amend(
        mandate=mandate_a, actor=alice, values=account_values(iban=OTHER_IBAN)
    )
    scheduled.refresh_from_db()
    assert (scheduled.mandate, scheduled.status) == (new, Debit.Status.SCHEDULED)
    invoice = Invoice.objects.get(pk=scheduled.invoice_id)
    assert (invoice.collection, invoice.collection_detail) == ("debit", "DE•• •••• 3000")


def test_a_second_change_replaces_the_document_in_mes_documents(mandate_a, alice):
    second = services.mandate_amend(mandate=mandate_a, actor=alice, values=account_values())
    third = services.mandate_amend(
        mandate=second, actor=alice, values=account_values(iban=OTHER_IBAN)
    )
    assert third.version == 3
    documents = FamilyDocument.objects.filter(kind="mandate").order_by("pk")
    assert [document.replaced_at is None for document in documents] == [False, True]


def test_a_replaced_mandate_cannot_be_changed_again(mandate_a, alice):
    services.mandate_amend(mandate=mandate_a, actor=alice, values=account_values())
    with pytest.raises(MandateError, match="plus en vigueur"):
        services.mandate_amend(mandate=mandate_a, actor=alice, values=account_values())


def test_a_suspended_mandate_stays_suspended_after_a_change(mandate_a, alice, manager_a):
    services.mandate_suspend(
        municipality=mandate_a.municipality, mandate=mandate_a, actor=manager_a
    )
    new = services.mandate_amend(mandate=mandate_a, actor=alice, values=account_values())
    assert new.status == Mandate.Status.SUSPENDED


# Revocation, suspension and the debits not yet sent


def test_revoking_cancels_the_scheduled_debits_and_frees_the_invoices(mandate_a, alice):
    scheduled = scheduled_debit(mandate_a)
    batch = DebitBatch.objects.create(
        municipality=mandate_a.municipality,
        office=mandate_a.office,
        collection_on=datetime.date(2026, 12, 10),
        message_id="RBL-TEST-1",
        scheme=DebitBatch.Scheme.PAIN_008_001_02,
    )
    sent = scheduled_debit(mandate_a, status=Debit.Status.SENT, batch=batch)
    Invoice.objects.filter(pk=sent.invoice_id).update(collection=Invoice.Collection.DEBIT_SENT)
    services.mandate_revoke(mandate=mandate_a, actor=alice, reason="Je paie par carte")
    mandate_a.refresh_from_db()
    assert mandate_a.status == Mandate.Status.REVOKED
    assert mandate_a.ended_at is not None
    assert mandate_a.end_reason == "Je paie par carte"
    scheduled.refresh_from_db()
    sent.refresh_from_db()
    assert scheduled.status == Debit.Status.CANCELLED
    assert sent.status == Debit.Status.SENT
    invoice = Invoice.objects.get(pk=scheduled.invoice_id)
    assert (invoice.collection, invoice.collection_on, invoice.collection_detail) == ("", None, "")
    assert Invoice.objects.get(pk=sent.invoice_id).collection == Invoice.Collection.DEBIT_SENT
    entry = entries(mandate_a, AuditEntry.Action.UPDATE).get()
    assert (entry.actor, entry.before["status"], entry.after["status"]) == (
        alice,
        "active",
        "revoked",
    )


def test_a_revoked_mandate_cannot_be_revoked_again(mandate_a, alice):
    services.mandate_revoke(mandate=mandate_a, actor=alice)
    with pytest.raises(MandateError):
        services.mandate_revoke(mandate=mandate_a, actor=alice)


def test_suspending_and_reactivating(mandate_a, manager_a):
    debit = scheduled_debit(mandate_a)
    mandate_a.returns = 2
    mandate_a.save()
    municipality = mandate_a.municipality
    services.mandate_suspend(
        municipality=municipality, mandate=mandate_a, actor=manager_a, reason="Deux rejets"
    )
    mandate_a.refresh_from_db()
    debit.refresh_from_db()
    assert (mandate_a.status, mandate_a.end_reason) == (Mandate.Status.SUSPENDED, "Deux rejets")
    assert debit.status == Debit.Status.CANCELLED
    with pytest.raises(MandateError):
        services.mandate_suspend(municipality=municipality, mandate=mandate_a, actor=manager_a)
    services.mandate_reactivate(municipality=municipality, mandate=mandate_a, actor=manager_a)
    mandate_a.refresh_from_db()
    assert (mandate_a.status, mandate_a.returns) == (Mandate.Status.ACTIVE, 0)
    with pytest.raises(MandateError):
        services.mandate_reactivate(municipality=municipality, mandate=mandate_a, actor=manager_a)
    actions = list(entries(mandate_a).values_list("action", "actor"))
    assert actions == [("override", manager_a.pk)] * 2


def test_staff_of_another_municipality_cannot_touch_a_mandate(mandate_a, agent_b):
    with pytest.raises(ValueError):
        services.mandate_suspend(
            municipality=agent_b.municipality, mandate=mandate_a, actor=agent_b
        )


def test_cancelling_leaves_other_mandates_debits(mandate_a, mandate_b):
    mine, theirs = scheduled_debit(mandate_a), scheduled_debit(mandate_b)
    assert services.debits_cancel_for_mandate(mandate=mandate_a) == 1
    assert services.debits_cancel_for_mandate(mandate=mandate_a) == 0
    theirs.refresh_from_db()
    assert theirs.status == Debit.Status.SCHEDULED
    assert Invoice.objects.get(pk=theirs.invoice_id).collection == Invoice.Collection.DEBIT
    mine.refresh_from_db()
    assert mine.status == Debit.Status.CANCELLED


# Paper mandates


def paper(**changes):
    arguments = {
        "values": account_values(debtor_name="Bob Martin", signed_at="Villeurbanne"),
        "signed_on": datetime.date(2026, 11, 2),
        "reference": "",
        "scan": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        "content_type": "application/pdf",
    }
    arguments.update(changes)
    return arguments


def test_a_paper_mandate_with_its_scan(creditor_a, household_a, agent_a):
    mandate = services.mandate_paper_record(
        municipality=agent_a.municipality,
        household=household_a,
        office=creditor_a.office,
        actor=agent_a,
        **paper(reference="MANDAT 2026/042"),
    )
    assert mandate.origin == Mandate.Origin.PAPER
    assert (mandate.reference, mandate.signed_on, mandate.signed_by) == (
        "MANDAT 2026/042",
        datetime.date(2026, 11, 2),
        None,
    )
    with mandate.document.open("rb") as handle:
        assert handle.read() == PDF
    assert mandate.document.name.endswith(".pdf")
    assert "scan" not in mandate.document.name
    assert entries(mandate, AuditEntry.Action.CREATE).get().actor == agent_a
    assert not mail.outbox


def test_a_paper_mandate_reference_already_used_is_refused(mandate_a, agent_a, household_a):
    services.mandate_revoke(mandate=mandate_a, actor=agent_a)
    with pytest.raises(MandateError, match="déjà utilisée"):
        services.mandate_paper_record(
            municipality=agent_a.municipality,
            household=household_a,
            office=mandate_a.office,
            actor=agent_a,
            **paper(reference=mandate_a.reference.lower()),
        )


def test_a_paper_mandate_gets_a_reference_when_none_is_typed(creditor_a, household_a, agent_a):
    mandate = services.mandate_paper_record(
        municipality=agent_a.municipality,
        household=household_a,
        office=creditor_a.office,
        actor=agent_a,
        **paper(),
    )
    assert mandate.reference.startswith("RBL-")


# Expiry


@pytest.mark.parametrize(
    ("signed_on", "last_collected_on", "expired"),
    [
        (datetime.date(2023, 11, 23), None, True),
        (datetime.date(2023, 11, 24), None, False),
        (datetime.date(2020, 1, 1), datetime.date(2023, 11, 23), True),
        (datetime.date(2020, 1, 1), datetime.date(2023, 11, 24), False),
        (datetime.date(2020, 1, 1), datetime.date(2026, 11, 1), False),
    ],
)
def test_mandates_expire_36_months_after_their_last_use(
    mandate_a, signed_on, last_collected_on, expired
):
    Mandate.objects.filter(pk=mandate_a.pk).update(
        signed_on=signed_on, last_collected_on=last_collected_on
    )
    debit = scheduled_debit(mandate_a)
    assert services.mandates_expire() == int(expired)
    mandate_a.refresh_from_db()
    debit.refresh_from_db()
    status = Mandate.Status.EXPIRED if expired else Mandate.Status.ACTIVE
    assert mandate_a.status == status
    assert (debit.status == Debit.Status.CANCELLED) is expired
    assert entries(mandate_a, AuditEntry.Action.UPDATE).exists() is expired
    assert services.mandates_expire() == 0


def test_expiry_runs_from_the_command_and_the_task(mandate_a, mandate_b):
    from io import StringIO

    from django.core.management import call_command

    from ribambelle.debits.tasks import expire_mandates

    with time_machine.travel(datetime.datetime(2029, 10, 2, 7, 0, tzinfo=PARIS), tick=False):
        out = StringIO()
        call_command("expire_mandates", stdout=out)
        assert "Mandates expired: 2." in out.getvalue()
        assert expire_mandates.enqueue().return_value == 0
    assert set(Mandate.objects.values_list("status", flat=True)) == {"expired"}


def test_suspended_and_revoked_mandates(mandate_a, mandate_b, alice, agent_b):
    services.mandate_revoke(mandate=mandate_a, actor=alice)
    services.mandate_suspend(municipality=agent_b.municipality, mandate=mandate_b, actor=agent_b)
    assert services.expiry_date(mandate_b) == datetime.date(2029, 10, 1)
    assert services.mandates_expire(today=datetime.date(2029, 10, 1)) == 1
    mandate_a.refresh_from_db()
    mandate_b.refresh_from_db()
    assert (mandate_a.status, mandate_b.status) == ("revoked", "expired")


# Creditor settings


def values(**changes):
    base = {
        "name": "Régie enfance",
        "ics": "FR72ZZZ123456",
        "iban": CREDITOR_IBAN,
        "bic": "agrifrpp",
        "collection_day": 5,
        "return_fee": Decimal("3.50"),
        "returns_before_suspension": 3,
    }
    base.update(changes)
    return CreditorValues(**base)


def test_the_creditor_settings_are_saved_and_a_blank_iban_keeps_the_account(office_a, manager_a):
    municipality = manager_a.municipality
    creditor = services.creditor_save(
        municipality=municipality, actor=manager_a, office=office_a, values=values()
    )
    assert (creditor.bic, creditor.iban_last4, creditor.collection_day) == ("AGRIFRPP", "0185", 5)
    assert secret_decrypt(creditor.iban) == CREDITOR_IBAN
    services.creditor_save(
        municipality=municipality, actor=manager_a, office=office_a, values=values(iban="", bic="")
    )
    creditor = Creditor.objects.get()
    assert secret_decrypt(creditor.iban) == CREDITOR_IBAN
    assert creditor.bic == ""
    found = list(entries(creditor).order_by("pk").values_list("action", flat=True))
    assert found == ["create", "update"]
    assert CREDITOR_IBAN not in str(list(entries(creditor).values_list("after", flat=True)))


def test_a_new_creditor_needs_an_iban(office_a, manager_a):
    with pytest.raises(MandateError, match="IBAN"):
        services.creditor_save(
            municipality=manager_a.municipality,
            actor=manager_a,
            office=office_a,
            values=values(iban=""),
        )
