"""Tax certificates of the demo: the settings (after-school care and the leisure centre count,
the canteen does not) and the certificates of last calendar year.

The demo's bookings and invoices start with the current school year, so last year's childcare
is written here as it would have been left: one issued invoice of June per household with young
children (their after-school care, the canteen, a Wednesday at the leisure centre), debited to
the family account and paid in July, one in part. Idempotent: nothing is written twice, and
generating the certificates again changes nothing."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from ribambelle.billing import rules as billing_rules
from ribambelle.billing import services as billing_services
from ribambelle.billing.account.services import account_invoices_post
from ribambelle.billing.certificates.models import CertificateSettings
from ribambelle.billing.certificates.services import tax_certificates_generate
from ribambelle.billing.models import (
    BillingOffice,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    NumberSequence,
    Payment,
)
from ribambelle.bookings.models import Activity
from ribambelle.demo.billing import PRICES
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality

ELIGIBLE_DEPARTMENTS = ("Accueil périscolaire", "Centre de loisirs")
# household: (share of the invoice paid, payment method)
PAID = {
    "DEMO-MARTIN": (Decimal("1"), Payment.Method.CHEQUE),
    "DEMO-HADDAD": (Decimal("1"), Payment.Method.CESU),
    "DEMO-PETIT": (Decimal("0.5"), Payment.Method.CASH),
}
# activity: units in June
UNITS = {"Garderie du soir": 12, "Restauration scolaire": 16, "Mercredi journée": 2}


def ensure_certificate_settings(demo: Municipality) -> CertificateSettings:
    settings, created = CertificateSettings.objects.get_or_create(
        municipality=demo,
        defaults={
            "signatory_name": "Claire Fontaine",
            "signatory_title": "Régisseuse de recettes, Régie enfance",
        },
    )
    if created:
        settings.activities.set(
            Activity.objects.filter(municipality=demo, department__name__in=ELIGIBLE_DEPARTMENTS)
        )
    return settings


def _price(activity: str, quotient: Decimal | None) -> Decimal:
    default, brackets, _surcharge = PRICES[activity]
    if quotient is None:
        return Decimal(default)
    for bound, price in brackets:
        if bound is None or quotient < Decimal(bound):
            return Decimal(price)
    return Decimal(default)


def _last_year_invoices(demo: Municipality, office: BillingOffice, year: int) -> None:
    month = date(year, 6, 1)
    if InvoiceRun.objects.filter(office=office, month=month).exists():
        return
    activities = {
        activity.name: activity
        for activity in Activity.objects.filter(municipality=demo, name__in=UNITS).order_by(
            "starts_on"
        )
    }
    households = list(
        Household.objects.filter(municipality=demo, external_ref__in=PAID).order_by("pk")
    )
    run = InvoiceRun.objects.create(
        municipality=demo,
        office=office,
        month=month,
        status=InvoiceRun.Status.ISSUED,
        computed_at=timezone.now(),
        issued_at=timezone.now(),
    )
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(
        municipality=demo, kind=NumberSequence.Kind.INVOICE, year=year
    )
    invoices = []
    for household in households:
        sequence.last += 1
        invoice = Invoice.objects.create(
            municipality=demo,
            office=office,
            run=run,
            household=household,
            status=Invoice.Status.ISSUED,
            number=billing_rules.format_number(
                billing_services.INVOICE_PREFIX, year, sequence.last
            ),
            period_start=month,
            period_end=date(year, 6, 30),
            issued_on=date(year, 7, 1),
            due_on=date(year, 7, 16),
            household_name=household.name,
            household_address=f"{household.address}\n{household.postal_code} {household.city}",
            quotient=household.quotient,
        )
        total = Decimal("0.00")
        for child in household.children.order_by("birth_date"):
            for name, units in UNITS.items():
                activity = activities.get(name)
                if activity is None:
                    continue
                price = _price(name, household.quotient)
                line = InvoiceLine.objects.create(
                    invoice=invoice,
                    child=child,
                    activity=activity,
                    child_name=f"{child.first_name} {child.last_name}",
                    label=name,
                    dates=[],
                    quantity=units,
                    unit_price=price,
                    amount=price * units,
                    pricing=InvoiceLine.Pricing.BRACKET
                    if household.quotient is not None
                    else InvoiceLine.Pricing.DEFAULT,
                )
                total += line.amount
        invoice.total = total
        invoice.save(update_fields=["total"])
        invoices.append(invoice)
    sequence.save(update_fields=["last"])
    account_invoices_post(invoices=invoices, actor=None)
    for invoice in invoices:
        share, method = PAID[invoice.household.external_ref]
        invoice.refresh_from_db()
        amount = (invoice.due * share).quantize(Decimal("0.01"))
        if amount > 0:
            billing_services.payment_record(
                municipality=demo,
                invoice=invoice,
                amount=amount,
                method=method,
                received_on=date(year, 7, 10),
                reference="Paiement de juin",
                actor=None,
            )


def seed_demo_certificates(demo: Municipality, today: date) -> None:
    ensure_certificate_settings(demo)
    office = BillingOffice.objects.filter(municipality=demo, name="Régie enfance").first()
    if office is None:
        return
    year = today.year - 1
    _last_year_invoices(demo, office, year)
    tax_certificates_generate(municipality=demo, year=year, actor=None, today=today)
