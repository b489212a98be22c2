"""The treasury of the demo municipality: the Hélios settings of its billing office, an
imputation per department, and one bordereau sent: an unpaid invoice of the last month that
went through every reminder (not the Martin family's, whose invoices the demo pays online).
Idempotent."""

from datetime import date

from ribambelle.billing.models import BillingOffice, Invoice
from ribambelle.billing.reminders.models import ReminderLevel, ReminderSent
from ribambelle.tenants.models import Department, Municipality
from ribambelle.treasury import services
from ribambelle.treasury.models import Imputation, PesExport, TreasurySettings

# department name: (nature, fonction) in the M57 nomenclature
IMPUTATIONS = {
    "Restauration scolaire": ("7067", "213"),
    "Périscolaire": ("7066", "421"),
    "Accueil de loisirs": ("7066", "422"),
}


def seed_demo_treasury(demo: Municipality, today: date) -> None:
    office = BillingOffice.objects.filter(municipality=demo, name="Régie enfance").first()
    if office is None:
        return
    TreasurySettings.objects.update_or_create(
        office=office,
        defaults={
            "municipality": demo,
            "collectivity_code": "975",
            "budget_code": "01",
            "post_code": "075001",
            "title_object": "Restauration scolaire et accueil périscolaire",
            "payfip": True,
        },
    )
    for department in Department.objects.filter(municipality=demo):
        nature, function = IMPUTATIONS.get(department.name, ("7066", "421"))
        Imputation.objects.update_or_create(
            office=office,
            department=department,
            defaults={"municipality": demo, "nature": nature, "function": function},
        )
    if PesExport.objects.filter(office=office).exists():
        return
    level = ReminderLevel.objects.filter(
        office=office, action=ReminderLevel.Action.TREASURY
    ).first()
    invoice = (
        Invoice.objects.filter(office=office, status=Invoice.Status.ISSUED, paid=0, collection="")
        .exclude(household__external_ref="DEMO-MARTIN")
        .filter(total__gt=0)
        .order_by("-period_start", "number")
        .first()
    )
    if level is None or invoice is None:
        return
    ReminderSent.objects.get_or_create(
        invoice=invoice, level=level, defaults={"municipality": demo, "sent_on": today}
    )
    services.pes_export_create(
        municipality=demo, office=office, source_kind=PesExport.Source.UNPAID, actor=None
    )
