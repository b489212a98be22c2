"""Billing of the demo municipality: a billing office with the demo bank, tariffs by family
quotient, the past months of the school year invoiced and issued; the first month paid by
cheque, one household's last invoice paid in part, the others to pay. Idempotent."""

from datetime import date, timedelta
from decimal import Decimal

from ribambelle.billing import services
from ribambelle.billing.models import (
    BillingOffice,
    Invoice,
    InvoiceRun,
    Payment,
    Tariff,
    TariffBracket,
)
from ribambelle.billing.reminders.models import ReminderLevel
from ribambelle.bookings.models import Activity
from ribambelle.demo.bookings import school_year
from ribambelle.demo.reminders import date_demo_runs
from ribambelle.tenants.models import Department, Municipality

PRICES = {
    # activity name: (default, ((bound, price), ...), surcharge)
    "Restauration scolaire": ("4.60", (("500", "1.10"), ("900", "2.60"), (None, "3.90")), "6.00"),
    "Garderie du matin": ("1.80", (("500", "0.60"), (None, "1.40")), "3.00"),
    "Garderie du soir": ("2.40", (("500", "0.80"), (None, "1.90")), "4.00"),
    "Mercredi journée": ("14.00", (("500", "4.00"), ("900", "8.00"), (None, "12.00")), None),
}


def ensure_billing(municipality: Municipality) -> BillingOffice:
    """One billing office for every department, a tariff for each activity."""
    office, _created = BillingOffice.objects.get_or_create(
        municipality=municipality,
        name="Régie enfance",
        defaults={
            "siret": "21999999900010",  # a made-up number with a valid check digit
            "payment_instructions": (
                "Paiement en ligne sur le portail, ou chèque à l'ordre du Trésor public "
                "déposé à l'accueil de la mairie."
            ),
        },
    )
    office.departments.set(Department.objects.filter(municipality=municipality))
    for activity in Activity.objects.filter(municipality=municipality):
        default, brackets, surcharge = PRICES.get(activity.name, ("3.00", (), None))
        tariff, _created = Tariff.objects.update_or_create(
            activity=activity,
            defaults={
                "default_price": Decimal(default),
                "surcharge_price": Decimal(surcharge) if surcharge else None,
            },
        )
        tariff.brackets.all().delete()
        TariffBracket.objects.bulk_create(
            TariffBracket(
                tariff=tariff,
                up_to=Decimal(bound) if bound else None,
                price=Decimal(price),
            )
            for bound, price in brackets
        )
    return office


# days after the due date: (action, attach the invoice, subject, text)
REMINDER_LEVELS = {
    7: (
        ReminderLevel.Action.EMAIL,
        False,
        "",
        "Sauf erreur de notre part, votre facture n'est pas encore réglée. Vous pouvez la payer "
        "en ligne sur le portail famille, ou par chèque à l'accueil de la mairie.",
    ),
    21: (
        ReminderLevel.Action.EMAIL,
        True,
        "Second rappel : facture à régler",
        "Malgré notre premier rappel, votre facture n'est toujours pas réglée. Sans paiement "
        "sous trois semaines, elle sera transmise au Trésor public, qui se chargera du "
        "recouvrement. Si vous rencontrez des difficultés, contactez la régie : un échéancier "
        "peut être mis en place.",
    ),
    42: (ReminderLevel.Action.TREASURY, False, "", ""),
}


def ensure_reminder_levels(office: BillingOffice) -> None:
    """A first e-mail a week after the due date, a second one with the invoice attached after
    three weeks, then the hand-over to the treasury."""
    for days, (action, attach, subject, text) in REMINDER_LEVELS.items():
        ReminderLevel.objects.get_or_create(
            office=office,
            days_after_due=days,
            defaults={
                "municipality_id": office.municipality_id,
                "action": action,
                "attach_invoice": attach,
                "subject": subject,
                "text": text,
            },
        )


def months_to_invoice(today: date) -> list[date]:
    """From the start of the school year to the month before this one."""
    month = school_year(today).start.replace(day=1)
    current = today.replace(day=1)
    months = []
    while month < current:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


UNPAID_FIRST = "DEMO-PETIT"


def seed_demo_billing(demo: Municipality, today: date) -> None:
    office = ensure_billing(demo)
    if not office.provider:
        office.provider = BillingOffice.Provider.DEMO
        office.save(update_fields=["provider"])
    ensure_reminder_levels(office)
    months = months_to_invoice(today)
    for month in months:
        if InvoiceRun.objects.filter(office=office, month=month).exists():
            continue
        run = services.invoice_run_compute(
            municipality=demo, office=office, month=month, actor=None
        )
        services.invoice_run_issue(municipality=demo, run=run, actor=None)
    date_demo_runs(demo, today)
    if not months or Payment.objects.filter(municipality=demo).exists():
        return
    issued = Invoice.objects.filter(office=office, status=Invoice.Status.ISSUED)
    # One family has not paid the first month: its invoice goes through the reminders; the
    # households paying by direct debit (demo.debits) are not paid by cheque.
    first = issued.filter(period_start=months[0], collection="").exclude(
        household__external_ref=UNPAID_FIRST
    )
    for invoice in first:
        services.payment_record(
            municipality=demo,
            invoice=invoice,
            amount=invoice.due,
            method=Payment.Method.CHEQUE,
            received_on=min(invoice.issued_on + timedelta(days=9), today)
            if invoice.issued_on
            else today,
            reference="Chèque n° 1234567",
            actor=None,
        )
    if len(months) > 1:
        last = issued.filter(period_start=months[-1], household__external_ref="DEMO-MARTIN")
        for invoice in last:
            services.payment_record(
                municipality=demo,
                invoice=invoice,
                amount=(invoice.due / 2).quantize(Decimal("0.01")),
                method=Payment.Method.CESU,
                received_on=invoice.issued_on or today,
                reference="CESU",
                actor=None,
            )
