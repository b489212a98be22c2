from django.core.management.base import BaseCommand

from ribambelle.bookings.reminders import reminders_send_due


class Command(BaseCommand):
    help = (
        "Queue the reminder e-mails due now, before a booking deadline, to the households that "
        "have booked nothing for the coming week (municipalities with reminders turned on). "
        "To run every hour, e.g. from cron: '5 * * * * manage.py send_booking_reminders'. "
        "Running it more often, or twice, never sends a household two reminders for a week."
    )

    def handle(self, *args, **options):
        count = reminders_send_due()
        self.stdout.write(f"Reminders queued for {count} household(s).")
