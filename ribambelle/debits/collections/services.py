"""Writes of the collections: debits scheduled when an invoice run is issued (a billing hook,
inside the issue's transaction) and the collection file (pain.008) of an office for a date.

Both are set-based: a run of 5,000 invoices or a batch of 2,000 debits costs the same number of
queries as one. A generated batch is immutable (invariant 11): generating it again returns
the stored batch and its bytes."""

import hashlib
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, CharField, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.account.services import cents
from ribambelle.billing.models import ZERO, BillingOffice, Invoice, InvoiceRun, Payment
from ribambelle.billing.services.collected import Collected, debit_payments_record
from ribambelle.core.audit import audit_record
from ribambelle.core.crypto import secret_decrypt
from ribambelle.core.models import AuditEntry
from ribambelle.debits.collections import rules, sepa
from ribambelle.debits.models import Creditor, Debit, DebitBatch, Mandate

END_TO_END_PREFIX = "RBL-D"


class CollectionError(Exception):
    """A refused collection action; the message is in French for the staff."""


def _masked_iban_sql() -> Concat:
    """Mandate.masked_iban written in SQL, for set-based updates of invoices."""
    return Concat(F("iban_country"), Value("•• •••• "), F("iban_last4"), output_field=CharField())


def run_debits_schedule(run: InvoiceRun, invoice_ids: list[int]) -> int:
    """The billing RUN_ISSUED hook: each invoice of the run still due whose household holds
    an active mandate of the run's office (which has creditor settings) gets a debit on the
    office's next collection day at least 14 days away; the invoice says so (pre-notification)
    and no longer offers "Payer". The amount is what is due once the family's credit was used.
    Returns the number of debits scheduled. The creditor row is locked, as batch_generate
    locks it: a file being generated for the date found here is committed first, and seen."""
    day = (
        Creditor.objects.select_for_update()
        .filter(office_id=run.office_id)
        .values_list("collection_day")
        .first()
    )
    if day is None or not invoice_ids:
        return 0
    active = Mandate.objects.filter(office_id=run.office_id, status=Mandate.Status.ACTIVE)
    mandates = dict(
        active.filter(
            household_id__in=Invoice.objects.filter(run_id=run.pk).values("household_id")
        ).values_list("household_id", "pk")
    )
    if not mandates:
        return 0
    # The invoices of a run are issued together: one date for all.
    issued_on = (
        Invoice.objects.filter(run_id=run.pk).values_list("issued_on", flat=True).first()
        or timezone.localdate()
    )
    collection_on = _open_date(run.office_id, issued_on, day[0])
    debits = [
        Debit(
            municipality_id=run.municipality_id,
            invoice_id=invoice_id,
            mandate_id=mandates[household_id],
            collection_on=collection_on,
            amount_cents=cents(total - paid - credited),
        )
        for invoice_id, household_id, total, paid, credited in Invoice.objects.filter(
            run_id=run.pk,
            status=Invoice.Status.ISSUED,
            household_id__in=active.values("household_id"),
            paid__lt=F("total") - F("credited"),
        ).values_list("pk", "household_id", "total", "paid", "credited")
    ]
    if not debits:
        return 0
    Debit.objects.bulk_create(debits)
    Invoice.objects.filter(pk__in=[debit.invoice_id for debit in debits]).update(
        collection=Invoice.Collection.DEBIT,
        collection_on=debits[0].collection_on,
        collection_detail=Subquery(
            active.filter(household_id=OuterRef("household_id"))
            .annotate(masked=_masked_iban_sql())
            .values("masked")[:1]
        ),
    )
    return len(debits)


def _open_date(office_id: int, issued_on: date, day: int) -> date:
    """The collection date of invoices issued on `issued_on` (rules.collection_date), or the
    next collection day after it when that date's file was already generated (a file never
    changes, so a late run waits for the next one)."""
    taken = set(
        DebitBatch.objects.filter(office_id=office_id, collection_on__gte=issued_on).values_list(
            "collection_on", flat=True
        )
    )
    found = rules.collection_date(issued_on, day)
    while found in taken:
        found = rules.collection_date(found - timedelta(days=rules.NOTICE_DAYS - 1), day)
    return found


# The batch of an office for a date

_FIELDS = (
    "pk",
    "amount_cents",
    "invoice_id",
    "invoice__number",
    "invoice__household_id",
    "invoice__total",
    "invoice__paid",
    "invoice__credited",
    "mandate_id",
    "mandate__status",
    "mandate__reference",
    "mandate__signed_on",
    "mandate__debtor_name",
    "mandate__iban",
    "mandate__bic",
    "mandate__amended",
    "mandate__last_collected_on",
    "mandate__replaces__iban",
    "mandate__replaces__bic",
    "mandate__replaces__last_collected_on",
)


def _transaction(row: dict[str, Any], amount: int) -> sepa.Transaction:
    """One debit as the file says it, its sequence type by the rule (rules.sequence_type)."""
    iban, bic = secret_decrypt(row["mandate__iban"]), row["mandate__bic"]
    previous = row["mandate__replaces__iban"]
    old_iban = secret_decrypt(previous) if previous else ""
    amended = bool(row["mandate__amended"] and row["mandate__last_collected_on"] is None)
    new_bank = amended and not rules.same_bank(
        old_iban, row["mandate__replaces__bic"] or "", iban, bic
    )
    sequence = rules.sequence_type(
        rules.MandateFacts(
            collected_before=row["mandate__last_collected_on"] is not None
            or row["mandate__replaces__last_collected_on"] is not None,
            amended=amended,
            new_bank=new_bank,
        )
    )
    return sepa.Transaction(
        end_to_end_id=f"{END_TO_END_PREFIX}{row['pk']}",
        amount_cents=amount,
        sequence=sequence.type,
        mandate_reference=row["mandate__reference"],
        signed_on=row["mandate__signed_on"],
        debtor_name=row["mandate__debtor_name"],
        iban=iban,
        bic=bic,
        description=_("Facture %(number)s, référence famille %(reference)06d")
        % {"number": row["invoice__number"], "reference": row["invoice__household_id"]},
        amendment=sequence.amendment,
        original_iban=old_iban if amended and not new_bank else "",
    )


def _rows(office: BillingOffice, collection_on: date) -> Iterator[dict[str, Any]]:
    """The scheduled debits of the date, locked, read as plain values in chunks: memory grows
    with the file being built, not with model instances."""
    rows: Iterator[dict[str, Any]] = (
        Debit.objects.select_for_update(of=("self",))
        .filter(mandate__office=office, status=Debit.Status.SCHEDULED, collection_on=collection_on)
        .order_by("pk")
        .values(*_FIELDS)
        .iterator(chunk_size=500)
    )
    return rows


@transaction.atomic
def batch_generate(
    *,
    office: BillingOffice,
    collection_on: date,
    actor: User | None,
    scheme: str = sepa.PAIN_008_001_02,
) -> DebitBatch:
    """The collection file of `office` for `collection_on`: every debit scheduled for that
    date, its sequence type assigned, the pain.008 built and validated against its schema
    before it is stored; the debits SENT, a DEBIT payment recorded for each (billing), the
    invoices "prélèvement en cours". Already generated: the stored batch, unchanged.

    A debit whose mandate is no longer active, or whose invoice was paid meanwhile, is
    cancelled (the invoice can be paid again otherwise); one whose invoice was partly paid
    collects what is still due."""
    if scheme not in DebitBatch.Scheme.values:
        raise CollectionError(_("Format de fichier inconnu."))
    creditor = Creditor.objects.select_for_update().filter(office=office).first()
    if creditor is None:
        raise CollectionError(_("Cette régie n'a pas de paramètres de prélèvement SEPA."))
    existing = DebitBatch.objects.filter(office=office, collection_on=collection_on).first()
    if existing is not None:
        return existing
    number = creditor.last_batch + 1
    message_id = f"RBL-{office.pk}-{collection_on:%Y%m%d}-{number}"
    created_at = timezone.localtime()
    sent: list[sepa.Transaction] = []
    collected: list[Collected] = []
    cancelled: list[int] = []
    first_mandates: set[int] = set()
    adjusted: dict[int, int] = {}

    for row in _rows(office, collection_on):
        due = cents(
            max(row["invoice__total"] - row["invoice__paid"] - row["invoice__credited"], ZERO)
        )
        amount = min(row["amount_cents"], due)
        if row["mandate__status"] != Mandate.Status.ACTIVE or amount <= 0:
            cancelled.append(row["pk"])
            continue
        if amount != row["amount_cents"]:
            adjusted[row["pk"]] = amount
        item = _transaction(row, amount)
        if item.sequence == rules.FIRST:
            first_mandates.add(row["mandate_id"])
        sent.append(item)
        collected.append(Collected(row["invoice_id"], amount, item.end_to_end_id))
    if not collected:
        raise CollectionError(
            _("Aucun prélèvement n'est prévu le %(date)s pour cette régie.")
            % {"date": collection_on.strftime("%d/%m/%Y")}
        )
    data = sepa.build(
        scheme=scheme,
        message_id=message_id,
        created_at=created_at,
        creditor=sepa.CreditorAccount(
            name=creditor.name,
            ics=creditor.ics,
            iban=secret_decrypt(creditor.iban),
            bic=creditor.bic,
        ),
        collection_on=collection_on,
        transactions=sent,
    )
    total = sum(item.amount_cents for item in collected)
    Creditor.objects.filter(pk=creditor.pk).update(last_batch=number)
    batch = DebitBatch(
        municipality_id=office.municipality_id,
        office=office,
        collection_on=collection_on,
        message_id=message_id,
        scheme=scheme,
        count=len(collected),
        total_cents=total,
        sha256=hashlib.sha256(data).hexdigest(),
        created_by=actor,
    )
    batch.file.save(f"{uuid.uuid4().hex}.xml", ContentFile(data), save=False)
    batch.save()
    _mark_sent(batch, collected, cancelled, first_mandates, adjusted, actor)
    audit_record(
        municipality=office.municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=batch,
        after={
            "office": office.name,
            "collection_on": collection_on,
            "message_id": message_id,
            "count": len(collected),
            "total": Decimal(total) / 100,
            "cancelled": len(cancelled),
            "sha256": batch.sha256,
        },
    )
    return batch


def _mark_sent(
    batch: DebitBatch,
    collected: list[Collected],
    cancelled: list[int],
    first_mandates: set[int],
    adjusted: dict[int, int],
    actor: User | None,
) -> None:
    """The state after the file: a constant number of set-based statements."""
    if cancelled:
        Invoice.objects.filter(debits__pk__in=cancelled).update(
            collection=Invoice.Collection.NONE, collection_on=None, collection_detail=""
        )
        Debit.objects.filter(pk__in=cancelled).update(status=Debit.Status.CANCELLED)
    ids = [int(item.reference.removeprefix(END_TO_END_PREFIX)) for item in collected]
    changes: dict[str, Any] = {
        "batch": batch,
        "status": Debit.Status.SENT,
        "end_to_end_id": Concat(
            Value(END_TO_END_PREFIX), Cast("pk", CharField()), output_field=CharField()
        ),
        "sequence": Case(
            When(mandate_id__in=first_mandates, then=Value(rules.FIRST)),
            default=Value(rules.RECURRING),
            output_field=CharField(),
        ),
    }
    if adjusted:
        changes["amount_cents"] = Case(
            *[When(pk=pk, then=Value(amount)) for pk, amount in adjusted.items()],
            default=F("amount_cents"),
            output_field=IntegerField(),
        )
    Debit.objects.filter(pk__in=ids).update(**changes)
    debit_payments_record(
        municipality=batch.office.municipality,
        collected=collected,
        received_on=batch.collection_on,
        actor=actor,
    )
    Debit.objects.filter(batch=batch).update(
        payment=Subquery(
            Payment.objects.filter(
                invoice_id=OuterRef("invoice_id"),
                method=Payment.Method.DEBIT,
                reference=OuterRef("end_to_end_id"),
            ).values("pk")[:1]
        )
    )
    Invoice.objects.filter(pk__in=[item.invoice_id for item in collected]).update(
        collection=Invoice.Collection.DEBIT_SENT
    )
    Mandate.objects.filter(debits__batch=batch).update(last_collected_on=batch.collection_on)
