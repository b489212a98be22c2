"""Messaging e-mails, sent through the task queue. They say that there is a message and link to
it; they never carry its text, which may be about a child's health."""

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts import services as account_services
from ribambelle.accounts.models import Role, User
from ribambelle.core.emails import send_branded_email
from ribambelle.families.selectors import account_recipients
from ribambelle.messaging.models import Message
from ribambelle.tenants.shortcuts import tenant_reverse


def _message(message_id: int) -> Message | None:
    return (
        Message.objects.select_related(
            "conversation__municipality", "conversation__department", "conversation__household"
        )
        .filter(pk=message_id)
        .first()
    )


@task
def notify_staff(message_id: int) -> int:
    """To the department's address when it has one, else to the municipality's active managers
    and agents."""
    message = _message(message_id)
    if message is None:
        return 0
    conversation = message.conversation
    municipality = conversation.municipality
    if conversation.department.email:
        emails = [conversation.department.email.lower()]
    else:
        emails = sorted(
            {
                email.lower()
                for email in User.objects.for_municipality(municipality)
                .filter(is_active=True, role__in=[Role.MANAGER, Role.AGENT])
                .values_list("email", flat=True)
                if email
            }
        )
    url = settings.SITE_URL + tenant_reverse(
        municipality, "messaging_staff:conversation", pk=conversation.pk
    )
    for email in emails:
        send_branded_email(
            municipality=municipality,
            to=email,
            subject=_("Nouveau message pour le service %(department)s")
            % {"department": conversation.department.name},
            template="messaging_staff_new_message",
            context={"conversation": conversation, "url": url},
        )
    return len(emails)


@task
def notify_family(message_id: int) -> int:
    """To each guardian of the household with an active account."""
    message = _message(message_id)
    if message is None:
        return 0
    conversation = message.conversation
    municipality = conversation.municipality
    recipients = account_recipients(conversation.household_id)
    emails = [r.email for r in recipients]
    path = tenant_reverse(municipality, "messaging:conversation", pk=conversation.pk)
    url = settings.SITE_URL + path
    title = _("Réponse du service %(department)s") % {"department": conversation.department.name}
    for recipient in recipients:
        account_services.push_notify(user=recipient.user, title=title, path=path)
    for email in emails:
        send_branded_email(
            municipality=municipality,
            to=email,
            subject=_("Réponse du service %(department)s")
            % {"department": conversation.department.name},
            template="messaging_family_reply",
            context={"conversation": conversation, "url": url},
        )
    return len(emails)
