"""The e-mail that tells a household its tax certificate is in "Mes documents"."""

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.certificates.models import TaxCertificate
from ribambelle.core.emails import send_branded_email
from ribambelle.families.selectors import account_recipients
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_tax_certificate(certificate_id: int) -> int:
    """To each guardian with an active account: the year, the total, and a link to "Mes
    documents" (the certificate is not attached: the portal serves it to who may see it).
    Nothing when a newer version replaced this one before the task ran."""
    certificate = (
        TaxCertificate.objects.select_related("municipality")
        .filter(pk=certificate_id, municipality__is_active=True)
        .first()
    )
    if certificate is None:
        return 0
    newer = TaxCertificate.objects.filter(
        household_id=certificate.household_id,
        year=certificate.year,
        version__gt=certificate.version,
    )
    if newer.exists():
        return 0
    municipality = certificate.municipality
    url = settings.SITE_URL + tenant_reverse(municipality, "documents:index")
    recipients = account_recipients(certificate.household_id)
    for recipient in recipients:
        send_branded_email(
            municipality=municipality,
            to=recipient.email,
            subject=_("Votre attestation fiscale %(year)s est disponible")
            % {"year": certificate.year},
            template="tax_certificate",
            context={
                "first_name": recipient.guardian.first_name,
                "certificate": certificate,
                "url": url,
            },
        )
    return len(recipients)


@task
def generate_tax_certificates(municipality_id: int, year: int, actor_id: int | None) -> int:
    """The staff's "Générer les attestations" in the background: thousands of PDFs take
    longer than a request may."""
    from ribambelle.accounts.models import User
    from ribambelle.billing.certificates.services import tax_certificates_generate
    from ribambelle.tenants.models import Municipality

    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None:
        return 0
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return tax_certificates_generate(municipality=municipality, year=year, actor=actor).created
