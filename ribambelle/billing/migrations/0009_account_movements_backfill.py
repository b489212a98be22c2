"""Existing issued invoices, credit notes and paid payments get their account movements, so
that every household's balance is the sum of its movements from the first day. Money already
received beyond an invoice becomes credit (EXCESS) as it is: no credit is spent here."""

from decimal import Decimal

from django.db import migrations


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def backfill(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Payment = apps.get_model("billing", "Payment")
    CreditNote = apps.get_model("billing", "CreditNote")
    Movement = apps.get_model("billing", "AccountMovement")
    rows = []
    invoices = Invoice.objects.filter(status="issued").exclude(
        pk__in=Movement.objects.filter(kind="invoice").values("invoice_id")
    )
    for invoice in invoices.iterator(chunk_size=2000):
        common = {
            "municipality_id": invoice.municipality_id,
            "household_id": invoice.household_id,
            "invoice_id": invoice.pk,
            "label": invoice.number,
        }
        on = invoice.issued_on or invoice.period_end
        rows.append(Movement(kind="invoice", on=on, amount_cents=-cents(invoice.total), **common))
        overpaid = max(invoice.paid + invoice.credited - invoice.total, Decimal("0"))
        if overpaid:
            rows.append(Movement(kind="excess", on=on, credit_cents=cents(overpaid), **common))
    for note in CreditNote.objects.select_related("invoice").iterator(chunk_size=2000):
        rows.append(
            Movement(
                municipality_id=note.municipality_id,
                household_id=note.invoice.household_id,
                kind="credit_note",
                on=note.created_at.date(),
                amount_cents=cents(note.amount),
                invoice_id=note.invoice_id,
                credit_note_id=note.pk,
                label=note.number,
            )
        )
    paid = Payment.objects.filter(status="paid").select_related("invoice")
    for payment in paid.iterator(chunk_size=2000):
        rows.append(
            Movement(
                municipality_id=payment.municipality_id,
                household_id=payment.invoice.household_id,
                kind="payment",
                method=payment.method,
                on=payment.received_on or payment.created_at.date(),
                amount_cents=cents(payment.amount),
                invoice_id=payment.invoice_id,
                payment_id=payment.pk,
                label=payment.invoice.number,
            )
        )
    Movement.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_account_movements")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
