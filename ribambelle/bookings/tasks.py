"""Booking e-mails, sent by the task worker."""

from datetime import date, datetime

from django.conf import settings
from django.db.models import QuerySet
from django.tasks import task
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts import services as account_services
from ribambelle.bookings import rules
from ribambelle.core.emails import send_branded_email
from ribambelle.families.models import Guardian, Household
from ribambelle.families.selectors import account_recipients


def reminder_recipients(municipality_id: int) -> QuerySet[Guardian]:
    """Guardians who can act on a reminder: an active account of this municipality, with an
    e-mail to write to. The reminder run picks households that have one, the task writes to
    them."""
    return (
        Guardian.objects.for_municipality(municipality_id)
        .filter(user__is_active=True, user__municipality_id=municipality_id)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )


@task
def send_booking_reminder(household_id: int, week: str, deadline: str, link: str) -> None:
    """One e-mail to each guardian of the household who has an active account. It says when
    to book and links to the week; nothing about the children beyond that."""
    household = (
        Household.objects.select_related("municipality")
        .filter(pk=household_id, municipality__is_active=True)
        .first()
    )
    if household is None:
        return
    municipality = household.municipality
    monday = date.fromisoformat(week)
    with translation.override(settings.LANGUAGE_CODE):
        week_label = rules.format_day(monday)
        when = rules.format_instant(datetime.fromisoformat(deadline))
    for recipient in account_recipients(household.pk):
        account_services.push_notify(
            user=recipient.user,
            title=format_lazy(_("Pensez à réserver pour la semaine du {date}"), date=week_label),
            path=link,
        )
        send_branded_email(
            municipality=municipality,
            to=recipient.email,
            subject=format_lazy(_("Pensez à réserver pour la semaine du {date}"), date=week_label),
            template="booking_reminder",
            context={
                "first_name": recipient.guardian.first_name,
                "week": week_label,
                "deadline": when,
                "link": link,
            },
        )
