"""The family document upload form. The file is checked by content here, so that a refusal is
shown next to the field with the other fields as typed; the service checks it again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ribambelle.core.files import document_content_type
from ribambelle.families.models import ISSUED_DOCUMENT_KINDS, Child, DocumentKind, Guardian

# What a family may upload: not the kinds only the municipality issues (a mandate, a tax
# certificate), which a family's file must never pass for.
UPLOADED_KINDS = [
    (value, label) for value, label in DocumentKind.choices if value not in ISSUED_DOCUMENT_KINDS
]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de document"), choices=UPLOADED_KINDS)
    name = forms.CharField(
        label=_("Nom du document"),
        max_length=150,
        help_text=_("Par exemple : attestation d'assurance 2025-2026."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_(
            "PDF, JPEG ou PNG, 10 Mo au plus. Une photo nette du document convient. "
            "En cas d'erreur, choisissez de nouveau le fichier."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"}
        ),
        error_messages={
            "required": _("Choisissez le fichier à envoyer."),
            "empty": _("Ce fichier est vide : choisissez un autre fichier."),
        },
    )

    def __init__(self, *args, initial_kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if initial_kind:
            self.fields["kind"].initial = initial_kind

    def clean_file(self):
        file = self.cleaned_data["file"]
        document_content_type(file)
        return file


class OwnedDocumentForm(DocumentForm):
    """The same form from "Mes documents", which first asks whom the document is about."""

    owner = forms.ChoiceField(
        label=_("Pour qui ?"),
        error_messages={
            "required": _("Choisissez la personne concernée."),
            "invalid_choice": _("Choisissez une personne de votre foyer."),
        },
    )

    field_order = ["owner", "kind", "name", "description", "file"]

    def __init__(self, *args, guardians, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {
            **{f"guardian-{g.pk}": (None, g) for g in guardians},
            **{f"child-{c.pk}": (c, None) for c in children},
        }
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = (
            [("", _("Choisir…"))]
            + [(f"guardian-{g.pk}", f"{g.first_name} {g.last_name}") for g in guardians]
            + [(f"child-{c.pk}", f"{c.first_name} {c.last_name}") for c in children]
        )
        self.order_fields(self.field_order)

    def chosen_person(self) -> tuple[Child | None, Guardian | None]:
        """The chosen child, or the chosen guardian."""
        return self.people[self.cleaned_data["owner"]]
