"""Cron, every 15 minutes: asks the providers about online payments still pending."""

from django.core.management.base import BaseCommand

from ribambelle.billing.payments.services import payments_reconcile


class Command(BaseCommand):
    help = "Check pending online payments with their provider (run every 15 minutes)."

    def handle(self, *args, **options):
        counts = payments_reconcile()
        self.stdout.write(
            "checked={checked} confirmed={confirmed} errors={errors}".format(**counts)
        )
