"""Branded e-mails: one HTML and one text rendering of the same template, under the
municipality's name and contact details."""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_branded_email(*, municipality, to: str, subject, template: str, context: dict):
    """`subject` may be lazy: it is translated here, in the e-mail's language."""
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
    )
    message.attach_alternative(html, "text/html")
    message.send()
