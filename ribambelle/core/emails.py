"""Branded e-mails: one HTML and one text rendering of the same template, under the
municipality's name and contact details."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_branded_email(*, municipality, to: str, subject: str, template: str, context: dict):
    with translation.override(settings.LANGUAGE_CODE):
        full = {"municipality": municipality, "subject": subject, **context}
        text = render_to_string(f"emails/{template}.txt", full)
        html = render_to_string(f"emails/{template}.html", full)
    sender = settings.DEFAULT_FROM_EMAIL
    if municipality is not None:
        sender = (
            f"{municipality.name} <{settings.DEFAULT_FROM_EMAIL.rsplit('<', 1)[-1].strip('> ')}>"
        )
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=sender,
        to=[to],
        reply_to=[municipality.email] if municipality is not None and municipality.email else None,
    )
    message.attach_alternative(html, "text/html")
    message.send()
