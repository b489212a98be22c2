"""E-mails to a family after a staff decision on its records."""

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from ribambelle.core.emails import send_branded_email
from ribambelle.families.categories import CATEGORIES
from ribambelle.families.models import Household, PendingChange
from ribambelle.families.selectors import family_addresses
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_change_decision(change_id: int) -> None:
    change = (
        PendingChange.objects.select_related("household", "municipality")
        .filter(pk=change_id)
        .exclude(status=PendingChange.Status.PENDING)
        .first()
    )
    if change is None:
        return
    accepted = change.status == PendingChange.Status.ACCEPTED
    subject = (
        _("Votre demande de modification a été acceptée")
        if accepted
        else _("Votre demande de modification a été refusée")
    )
    category = CATEGORIES.get(change.category)
    page = "families:child" if change.target_type == "child" else "families:household"
    kwargs = {"pk": change.target_id} if change.target_type == "child" else {}
    link = settings.SITE_URL + tenant_reverse(change.municipality, page, **kwargs)
    for email in family_addresses(change.household):
        send_branded_email(
            municipality=change.municipality,
            to=email,
            subject=subject,
            template="change_decision",
            context={
                "accepted": accepted,
                "category": category.label if category else change.category,
                "message": change.message,
                "link": link,
                "household": change.household,
            },
        )


@task
def send_signup_refusal(household_id: int, message: str) -> None:
    household = (
        Household.objects.select_related("municipality")
        .filter(pk=household_id, status=Household.Status.REFUSED)
        .first()
    )
    if household is None:
        return
    for email in family_addresses(household):
        send_branded_email(
            municipality=household.municipality,
            to=email,
            subject=_("Votre demande d'inscription a été refusée"),
            template="signup_refused",
            context={"household": household, "message": message},
        )
