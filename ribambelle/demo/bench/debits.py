"""Direct debit in the bench municipality: SEPA creditor settings for its billing office and
an active mandate for 40 % of its households (two in five, by id), written before the previous
month is issued so that their invoices are scheduled: `manage.py sepa_batch --municipality
bench --output FILE --measure` then times a batch of about 2,000 debits (docs/performance.md)."""

from datetime import date, timedelta

from ribambelle.core.crypto import secret_encrypt
from ribambelle.debits.models import Creditor, Debit, DebitBatch, Mandate
from ribambelle.demo.billing import ensure_billing
from ribambelle.demo.debits import CREDITOR_IBAN, CREDITOR_ICS, MANDATES
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality

MANDATE_SHARE = (2, 5)  # two households in five
BATCH_SIZE = 1000


def seed_bench_mandates(municipality: Municipality, today: date) -> int:
    """The creditor and the mandates; returns how many mandates were written."""
    office = ensure_billing(municipality)
    Creditor.objects.get_or_create(
        office=office,
        defaults={
            "municipality": municipality,
            "name": f"{municipality.name} - Régie enfance",
            "ics": CREDITOR_ICS,
            "iban": secret_encrypt(CREDITOR_IBAN),
            "iban_last4": CREDITOR_IBAN[-4:],
            "bic": "PSSTFRPP",
        },
    )
    taken, out_of = MANDATE_SHARE
    accounts = [(iban, bic) for _ref, _rum, _origin, iban, bic in MANDATES]
    rows = []
    households = (
        Household.objects.filter(municipality=municipality).order_by("pk").values_list("pk", "name")
    )
    for index, (pk, name) in enumerate(households.iterator(chunk_size=BATCH_SIZE)):
        if index % out_of >= taken:
            continue
        iban, bic = accounts[index % len(accounts)]
        rows.append(
            Mandate(
                municipality=municipality,
                office=office,
                household_id=pk,
                reference=f"RBL-BENCH-{pk:08d}",
                origin=Mandate.Origin.ONLINE,
                debtor_name=name[:70],
                iban=secret_encrypt(iban),
                iban_last4=iban[-4:],
                iban_country=iban[:2],
                bic=bic,
                signed_on=today - timedelta(days=30 + index % 300),
                signed_at=municipality.city or municipality.name,
                # Half of them already collected: the file has FRST and RCUR blocks.
                last_collected_on=today - timedelta(days=30) if index % 2 else None,
            )
        )
    Mandate.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def delete_bench_debits(municipality: Municipality) -> None:
    """Everything the debits app wrote for the bench, before billing's rows go."""
    for batch in DebitBatch.objects.filter(municipality=municipality):
        batch.file.delete(save=False)
    Debit.objects.filter(municipality=municipality).delete()
    DebitBatch.objects.filter(municipality=municipality).delete()
    Mandate.objects.filter(municipality=municipality).delete()
    Creditor.objects.filter(municipality=municipality).delete()
