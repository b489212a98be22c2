"""Billing offices, tariffs, and the invoices of November 2026 issued on 1 December.

An invoice made here is written as the services would leave it, without computing it from
bookings: tests of the computation go through the services."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from ribambelle.billing.models import (
    AccountMovement,
    BillingOffice,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    Payment,
    Tariff,
    TariffBracket,
)
from ribambelle.billing.reminders.models import ReminderLevel, ReminderPause
from ribambelle.bookings.tests.factories import ActivityFactory
from ribambelle.families.tests.factories import HouseholdFactory
from ribambelle.tenants.tests.factories import MunicipalityFactory

NOVEMBER = datetime.date(2026, 11, 1)


class BillingOfficeFactory(DjangoModelFactory):
    """`BillingOfficeFactory(departments=[department])`: the office bills those departments."""

    class Meta:
        model = BillingOffice
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    name = "Régie enfance"

    @factory.post_generation
    def departments(self, create, departments, **_kwargs):
        if create and departments:
            self.departments.add(*departments)


class TariffFactory(DjangoModelFactory):
    """`TariffFactory(brackets=[(Decimal("500"), Decimal("1.20")), (None, Decimal("3.80"))])`:
    a price per bracket of family quotient, the last one without a bound."""

    class Meta:
        model = Tariff
        skip_postgeneration_save = True

    activity = factory.SubFactory(ActivityFactory)
    default_price = Decimal("4.50")

    @factory.post_generation
    def brackets(self, create, brackets, **_kwargs):
        if create and brackets:
            TariffBracket.objects.bulk_create(
                [TariffBracket(tariff=self, up_to=up_to, price=price) for up_to, price in brackets]
            )


class InvoiceRunFactory(DjangoModelFactory):
    class Meta:
        model = InvoiceRun

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    month = NOVEMBER
    status = InvoiceRun.Status.ISSUED


class InvoiceFactory(DjangoModelFactory):
    """An issued invoice of November 2026, in a run of its office (created when missing)."""

    class Meta:
        model = Invoice

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    run = factory.LazyAttribute(
        lambda o: InvoiceRun.objects.get_or_create(
            office=o.office,
            month=o.period_start,
            defaults={"municipality": o.municipality, "status": InvoiceRun.Status.ISSUED},
        )[0]
    )
    household = factory.SubFactory(
        HouseholdFactory, municipality=factory.SelfAttribute("..municipality")
    )
    status = Invoice.Status.ISSUED
    number = factory.Sequence(lambda n: f"F-2026-{n + 1:06d}")
    period_start = NOVEMBER
    period_end = datetime.date(2026, 11, 30)
    issued_on = datetime.date(2026, 12, 1)
    due_on = datetime.date(2026, 12, 16)
    total = Decimal("13.50")
    household_name = factory.SelfAttribute("household.name")


class InvoiceLineFactory(DjangoModelFactory):
    """Three canteen meals at 2,50 €."""

    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    child_name = "Léa Martin"
    label = "Restauration scolaire"
    dates = factory.List(["2026-11-02", "2026-11-03", "2026-11-05"])
    quantity = 3
    unit_price = Decimal("2.50")
    amount = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class PaymentFactory(DjangoModelFactory):
    """A cheque received for the whole invoice; `online=True` for an attempt pending at the
    demo bank. The invoice's paid amount is left as it is: the services keep it in step."""

    class Meta:
        model = Payment

    class Params:
        online = factory.Trait(
            method=Payment.Method.ONLINE,
            status=Payment.Status.PENDING,
            provider="demo",
            received_on=None,
            reference=factory.Sequence(lambda n: f"{n:024x}"),
        )

    invoice = factory.SubFactory(InvoiceFactory)
    municipality = factory.SelfAttribute("invoice.municipality")
    method = Payment.Method.CHEQUE
    status = Payment.Status.PAID
    amount = factory.SelfAttribute("invoice.total")
    received_on = datetime.date(2026, 12, 5)


class CreditNoteFactory(DjangoModelFactory):
    class Meta:
        model = CreditNote

    invoice = factory.SubFactory(InvoiceFactory)
    municipality = factory.SelfAttribute("invoice.municipality")
    number = factory.Sequence(lambda n: f"AV-2026-{n + 1:06d}")
    amount = Decimal("2.50")
    reason = "Repas non servi"


class ReminderLevelFactory(DjangoModelFactory):
    """A first reminder by e-mail, a week after the due date."""

    class Meta:
        model = ReminderLevel

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    days_after_due = 7
    action = ReminderLevel.Action.EMAIL
    subject = ""
    text = "Sauf erreur de notre part, cette facture n'est pas encore réglée."


class ReminderPauseFactory(DjangoModelFactory):
    class Meta:
        model = ReminderPause

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    reason = "Échéancier accordé"


class CreditMovementFactory(DjangoModelFactory):
    """Credit held by a household (12,50 € received beyond an invoice), as the account
    services leave it: `CreditMovementFactory(household=household)`."""

    class Meta:
        model = AccountMovement

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    kind = AccountMovement.Kind.EXCESS
    on = datetime.date(2026, 12, 5)
    credit_cents = 1250
