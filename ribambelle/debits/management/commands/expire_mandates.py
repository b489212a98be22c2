from datetime import date

from django.core.management.base import BaseCommand

from ribambelle.debits.mandates.services import mandates_expire


class Command(BaseCommand):
    help = (
        "Mark as expired the SEPA mandates with no collection for 36 months (or never used "
        "36 months after signing), and cancel their scheduled debits. To run once a day, e.g. "
        "from cron: '15 6 * * * manage.py expire_mandates'. Running it twice changes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="today, as YYYY-MM-DD")

    def handle(self, *args, **options):
        count = mandates_expire(today=options["date"])
        self.stdout.write(f"Mandates expired: {count}.")
