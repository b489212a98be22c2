"""Branded e-mails: one HTML and one text rendering of the same template, under the
municipality's name and contact details."""

from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

# Hosts that name no one's mail domain: a Message-ID under them looks forged to spam filters.
LOCAL_HOSTS = {"", "localhost", "localhost.localdomain", "127.0.0.1", "::1"}


def message_id_domain() -> str:
    """The domain of the sender address, as RFC 5322 asks a Message-ID to be unique under a
    domain its author controls; the public site's host when the sender is still the default
    `@localhost`. Django's own default is the machine's host name, often "localhost"."""
    sender_domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2].lower()
    if sender_domain not in LOCAL_HOSTS:
        return sender_domain
    site_host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    return site_host if site_host not in LOCAL_HOSTS else "ribambelle.invalid"


def automatic_headers() -> dict[str, str]:
    """Headers of a message that no person wrote: RFC 3834's Auto-Submitted tells mail servers
    and clients not to send vacation replies or other automatic answers back to it."""
    return {
        "Message-ID": make_msgid(domain=message_id_domain()),
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "OOF, AutoReply",
    }


def send_branded_email(
    *,
    municipality,
    to: str,
    subject,
    template: str,
    context: dict,
    attachments: list[tuple[str, bytes, str]] | None = None,
):
    """`subject` may be lazy: it is translated here, in the e-mail's language. `attachments`:
    (file name, content, MIME type)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(subject)
        full = {"municipality": municipality, "subject": subject, **context}
        text = render_to_string(f"emails/{template}.txt", full)
        html = render_to_string(f"emails/{template}.html", full)
    sender = settings.DEFAULT_FROM_EMAIL
    if municipality is not None:
        sender = formataddr((municipality.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=sender,
        to=[to],
        reply_to=[municipality.email] if municipality is not None and municipality.email else None,
        headers=automatic_headers(),
    )
    message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    message.send()
