"""Cron, every 15 minutes: asks the providers about online payments still pending. Overlapping
runs do nothing twice (see payments.reconcile)."""

from django.core.management.base import BaseCommand

from ribambelle.billing.payments.reconcile import RUN_CAP, payments_reconcile


class Command(BaseCommand):
    help = "Check pending online payments with their provider (run every 15 minutes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cap", type=int, default=RUN_CAP, help="Most payments asked about in one run."
        )

    def handle(self, *args, **options):
        counts = payments_reconcile(cap=max(options["cap"], 1))
        if counts["locked"]:
            self.stdout.write("another run is going on: nothing done")
            return
        self.stdout.write(
            "checked={checked} confirmed={confirmed} errors={errors}".format(**counts)
        )
