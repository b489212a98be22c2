"""The e-mail of a signed mandate, sent by the task worker."""

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from ribambelle.core.emails import send_branded_email
from ribambelle.core.files import PDF
from ribambelle.debits.mandates.documents import mandate_filename
from ribambelle.debits.models import Mandate
from ribambelle.families.selectors import account_recipients
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_mandate_signed(mandate_id: int) -> int:
    """The mandate's PDF to each guardian of the household who has an active account, with
    its reference and the masked account: what the rulebook asks the creditor to give the
    debtor once the mandate is signed. Nothing when the mandate has no document."""
    mandate = (
        Mandate.objects.select_related("municipality", "office", "household")
        .filter(pk=mandate_id, municipality__is_active=True)
        .first()
    )
    if mandate is None or not mandate.document:
        return 0
    with mandate.document.open("rb") as handle:
        content = handle.read()
    municipality = mandate.municipality
    url = settings.SITE_URL + tenant_reverse(municipality, "billing:invoices")
    recipients = account_recipients(mandate.household_id)
    subject = (
        _("Votre mandat de prélèvement a été modifié : %(reference)s")
        if mandate.amended
        else _("Votre mandat de prélèvement : %(reference)s")
    ) % {"reference": mandate.reference}
    for recipient in recipients:
        send_branded_email(
            municipality=municipality,
            to=recipient.email,
            subject=subject,
            template="mandate_signed",
            context={"first_name": recipient.guardian.first_name, "mandate": mandate, "url": url},
            attachments=[(mandate_filename(mandate), content, PDF)],
        )
    return len(recipients)
