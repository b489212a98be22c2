"""Operator: make a billing office a test office, or back to a real one.

A test office may use the demo bank and the providers' test modes (PayFiP saisie T, Payzen
TEST), whose payments move no money but settle its invoices: only for a test or demonstration
municipality, never one whose families pay for real."""

from django.core.management.base import BaseCommand, CommandError

from ribambelle.billing.models import BillingOffice
from ribambelle.billing.payments.config import office_test_mode
from ribambelle.billing.services import billing_office_test_set
from ribambelle.tenants.models import Municipality


class Command(BaseCommand):
    help = "Turn a billing office's test mode on (--on) or off (--off)."

    def add_arguments(self, parser):
        parser.add_argument("municipality", help="the municipality's slug")
        parser.add_argument("office", help="the billing office's name or id")
        state = parser.add_mutually_exclusive_group(required=True)
        state.add_argument("--on", action="store_true", help="a test office")
        state.add_argument("--off", action="store_true", help="a real office (production)")

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"no municipality {options['municipality']!r}")
        offices = BillingOffice.objects.for_municipality(municipality)
        name = options["office"]
        office = (
            offices.filter(pk=int(name)).first() if name.isdigit() else None
        ) or offices.filter(name=name).first()
        if office is None:
            raise CommandError(f"no billing office {name!r} in {municipality.slug}")
        office = billing_office_test_set(
            municipality=municipality, actor=None, office=office, enabled=options["on"]
        )
        state = "test office" if options["on"] else "real office (production)"
        self.stdout.write(f"{municipality.slug} / {office.name}: {state}")
        if not options["on"] and office_test_mode(office.provider, office.provider_options):
            self.stdout.write(
                "warning: its provider is still in test mode; it takes no online payment "
                "until a manager chooses production (Gestion > Facturation > Régies)."
            )
