from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts.models import STAFF_ROLES, User
from ribambelle.core.widgets_html import plain_widgets
from ribambelle.messaging.models import Conversation
from ribambelle.messaging.services import MAX_ATTACHMENTS
from ribambelle.tenants.models import Department, Municipality


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each one is checked by content in the service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class ReplyForm(forms.Form):
    # Its textarea and inputs drawn in Python (same markup): see core.widgets_html.
    default_renderer = plain_widgets

    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8, "data-rich-editor": ""}),
        max_length=20000,
    )
    # Set to "html" by the editor script; without JavaScript the body is plain text.
    body_format = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Added here rather than declared: a form's `files` attribute is its uploaded files.
        self.fields["files"] = MultipleFileField(
            label=_("Pièces jointes"),
            required=False,
            help_text=_("PDF, JPEG ou PNG, 10 Mo au plus par fichier, %(count)d fichiers au plus.")
            % {"count": MAX_ATTACHMENTS},
            widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        )
        self.order_fields(self.field_order)

    @property
    def is_html(self) -> bool:
        return self.cleaned_data.get("body_format") == "html"


class NewMessageForm(ReplyForm):
    subject = forms.CharField(label=_("Objet"), max_length=200)

    field_order = ["subject", "body", "body_format", "files"]


class AssignForm(forms.Form):
    assigned_to = forms.ModelChoiceField(
        label=_("Suivie par"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Personne"),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assigned_to = self.fields["assigned_to"]
        assert isinstance(assigned_to, forms.ModelChoiceField)
        assigned_to.queryset = (
            User.objects.for_municipality(municipality)
            .filter(role__in=STAFF_ROLES, is_active=True)
            .order_by("first_name", "last_name", "email")
        )


class InboxFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("Toutes")),
        ("unread", _("Non lues")),
        (Conversation.Status.OPEN, _("Ouvertes")),
        (Conversation.Status.CLOSED, _("Closes")),
    ]

    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("Tous les services"),
    )
    etat = forms.ChoiceField(label=_("État"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.fields["service"]
        assert isinstance(service, forms.ModelChoiceField)
        service.queryset = departments


class PushSubscriptionForm(forms.Form):
    """What the browser's PushManager gives (its JSON, flattened by push.js). The endpoint must
    be an HTTPS address of a known push service: the server posts to it, so it must not be
    made to post anywhere else."""

    endpoint = forms.URLField(max_length=1000)
    p256dh = forms.RegexField(regex=r"^[A-Za-z0-9_-]{80,100}={0,2}$", max_length=200)
    auth = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,30}={0,2}$", max_length=50)

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data["endpoint"]
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        allowed = any(
            host == suffix or host.endswith(f".{suffix}") for suffix in settings.PUSH_SERVICE_HOSTS
        )
        if parts.scheme != "https" or not allowed:
            raise forms.ValidationError(_("Service de notification inconnu."))
        return endpoint
