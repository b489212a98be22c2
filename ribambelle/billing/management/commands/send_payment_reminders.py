from django.core.management.base import BaseCommand

from ribambelle.billing.reminders.services import reminders_send_due


class Command(BaseCommand):
    help = (
        "Take the reminder level each unpaid invoice has reached today (billing offices with "
        "reminder levels) and queue the e-mails. To run once a day, e.g. from cron: "
        "'30 8 * * * manage.py send_payment_reminders'. Running it twice the same day sends "
        "nothing more: each invoice gets each level at most once."
    )

    def handle(self, *args, **options):
        count = reminders_send_due()
        self.stdout.write(f"Reminder levels taken for {count} invoice(s).")
