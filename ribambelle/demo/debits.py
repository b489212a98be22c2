"""Direct debit in the demo: SEPA creditor settings for the demo's billing office and two
households paying by direct debit (Bernard, online mandate; Haddad, paper form), set up before
the runs are issued so that their invoices are scheduled (pre-notified); the files of the past
collection dates generated (the next one is left for staff to make), Haddad's first debit
returned by its bank with a fee, and Bernard holding a credit. Idempotent."""

from datetime import date, timedelta
from decimal import Decimal

from ribambelle.billing import services as billing_services
from ribambelle.billing.models import CreditNote, Invoice
from ribambelle.core.crypto import secret_encrypt
from ribambelle.debits.collections.rules import collection_date
from ribambelle.debits.collections.services import batch_generate
from ribambelle.debits.models import Creditor, Debit, Mandate
from ribambelle.demo.billing import ensure_billing
from ribambelle.demo.debit_returns import demo_returns
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality

# Made-up accounts whose check digits are right (stdnum.iban, stdnum.eu.at_02).
CREDITOR_IBAN = "FR1420041010050500013M02606"
CREDITOR_ICS = "FR72ZZZ123456"
# Whose first debit the bank returned.
RETURNED_HOUSEHOLD = "DEMO-HADDAD"
# (external_ref, RUM, origin, IBAN, BIC)
MANDATES = [
    (
        "DEMO-BERNARD",
        "RBL-DEMO-000001",
        Mandate.Origin.ONLINE,
        "FR7630004000031234567890143",
        "BNPAFRPP",
    ),
    (
        "DEMO-HADDAD",
        "RBL-DEMO-000002",
        Mandate.Origin.PAPER,
        "FR7630006000011234567890189",
        "AGRIFRPP",
    ),
]


def seed_demo_mandates(demo: Municipality, today: date) -> None:
    """The creditor settings and the two mandates (before the runs are issued)."""
    office = ensure_billing(demo)
    Creditor.objects.get_or_create(
        office=office,
        defaults={
            "municipality": demo,
            "name": "Ville de Démo - Régie enfance",
            "ics": CREDITOR_ICS,
            "iban": secret_encrypt(CREDITOR_IBAN),
            "iban_last4": CREDITOR_IBAN[-4:],
            "bic": "PSSTFRPP",
            "collection_day": 10,
            "return_fee": Decimal("5.00"),
        },
    )
    households = {
        household.external_ref: household
        for household in Household.objects.filter(
            municipality=demo, external_ref__in=[ref for ref, *_rest in MANDATES]
        )
    }
    for ref, reference, origin, iban, bic in MANDATES:
        household = households.get(ref)
        if household is None:
            continue
        Mandate.objects.get_or_create(
            office=office,
            reference=reference,
            version=1,
            defaults={
                "municipality": demo,
                "household": household,
                "origin": origin,
                "debtor_name": household.name.removeprefix("Foyer ").upper(),
                "iban": secret_encrypt(iban),
                "iban_last4": iban[-4:],
                "iban_country": iban[:2],
                "bic": bic,
                "signed_on": today - timedelta(days=75),
                "signed_at": demo.city or demo.name,
            },
        )


def reschedule_demo_debits(demo: Municipality) -> None:
    """The demo's runs are all issued on the seeding day, then dated as a town would have
    issued them (demo.reminders): their scheduled debits take the collection date that issue
    date gives, so that past months were collected and the last one is still to come."""
    creditor = Creditor.objects.filter(municipality=demo).first()
    if creditor is None:
        return
    scheduled = Debit.objects.for_municipality(demo).filter(
        status=Debit.Status.SCHEDULED, batch__isnull=True, invoice__issued_on__isnull=False
    )
    for debit in scheduled.select_related("invoice"):
        assert debit.invoice.issued_on is not None
        day = collection_date(debit.invoice.issued_on, creditor.collection_day)
        if day != debit.collection_on:
            Debit.objects.filter(pk=debit.pk).update(collection_on=day)
            Invoice.objects.filter(pk=debit.invoice_id).update(collection_on=day, pdf="")


def seed_demo_batches(demo: Municipality, today: date) -> None:
    """The collection files of the past dates that have debits scheduled (after the runs);
    the next date's debits stay scheduled, for staff to generate its file."""
    office = ensure_billing(demo)
    reschedule_demo_debits(demo)
    dates = (
        Debit.objects.for_municipality(demo)
        .filter(mandate__office=office, status=Debit.Status.SCHEDULED, collection_on__lte=today)
        .values_list("collection_on", flat=True)
        .distinct()
        .order_by("collection_on")
    )
    for day in list(dates):
        batch_generate(office=office, collection_on=day, actor=None)
    # One family's bank returned its first debit for lack of funds (AM04).
    returned = (
        Debit.objects.for_municipality(demo)
        .filter(mandate__household__external_ref=RETURNED_HOUSEHOLD)
        .exclude(batch=None)
        .order_by("collection_on", "pk")
        .first()
    )
    if returned is not None:
        demo_returns(debit=returned, returned_on=returned.collection_on + timedelta(days=3))
    seed_demo_credit(demo)


CREDITED_HOUSEHOLD = "DEMO-BERNARD"
CREDIT = Decimal("12.50")


def seed_demo_credit(demo: Municipality) -> None:
    """A family holding a credit: an outing of September cancelled after its invoice was
    collected. Its next invoice, already announced for the debit, keeps its amount: the credit
    waits on the family account, for the following invoice or a refund by transfer."""
    invoice = (
        Invoice.objects.for_municipality(demo)
        .filter(
            household__external_ref=CREDITED_HOUSEHOLD,
            collection=Invoice.Collection.DEBIT_SENT,
            credit_notes__isnull=True,
        )
        .order_by("period_start")
        .first()
    )
    if (
        invoice is None
        or CreditNote.objects.filter(
            invoice__household__external_ref=CREDITED_HOUSEHOLD, municipality=demo
        ).exists()
    ):
        return
    billing_services.credit_note_create(
        municipality=demo,
        invoice=invoice,
        amount=min(CREDIT, invoice.total),
        reason="Sortie scolaire du 30 septembre annulée : repas non servi",
        actor=None,
    )
