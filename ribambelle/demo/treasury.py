"""The treasury of the demo municipality: one bordereau sent, of the unpaid invoices that
went through every reminder (never the Martin family's, whose invoices the demo pays online);
its settings and imputations are demo.treasury_settings'. Idempotent."""

from datetime import date

from ribambelle.billing.models import BillingOffice, Invoice
from ribambelle.billing.reminders.models import ReminderLevel, ReminderSent
from ribambelle.billing.reminders.selectors import invoices_for_treasury
from ribambelle.tenants.models import Municipality
from ribambelle.treasury import services
from ribambelle.treasury.models import PesExport


def seed_demo_treasury(demo: Municipality, today: date) -> None:
    office = BillingOffice.objects.filter(municipality=demo, name="Régie enfance").first()
    if office is None:
        return
    if PesExport.objects.filter(office=office).exists():
        return
    level = ReminderLevel.objects.filter(
        office=office, action=ReminderLevel.Action.TREASURY
    ).first()
    if level is None:
        return
    if not invoices_for_treasury(demo).filter(office=office).exists():
        # Seeded early in the school year, no invoice is that late yet: the oldest unpaid one
        # is taken as if it were.
        invoice = (
            Invoice.objects.filter(
                office=office, status=Invoice.Status.ISSUED, paid=0, collection=""
            )
            .exclude(household__external_ref="DEMO-MARTIN")
            # Nor a family paying by direct debit (demo.debits): its return is shown instead.
            .exclude(household__mandates__isnull=False)
            .filter(total__gt=0)
            .order_by("period_start", "number")
            .first()
        )
        if invoice is None:
            return
        ReminderSent.objects.get_or_create(
            invoice=invoice, level=level, defaults={"municipality": demo, "sent_on": today}
        )
    services.pes_export_create(
        municipality=demo, office=office, source_kind=PesExport.Source.UNPAID, actor=None
    )
