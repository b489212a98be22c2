"""Daily work of direct debit, for the task worker or cron (`manage.py expire_mandates`)."""

from django.tasks import task

from ribambelle.debits.mandates.services import mandates_expire


@task
def expire_mandates() -> int:
    """Mandates unused for 36 months lapse (see mandates_expire)."""
    return mandates_expire()
