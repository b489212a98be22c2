from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ribambelle.bookings.models import Activity
from ribambelle.core.files import MAX_DOCUMENT_BYTES, document_content_type
from ribambelle.documents.models import Audience, Category
from ribambelle.families.forms import DateInput
from ribambelle.tenants.models import Department


class PublishForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Catégorie"),
        queryset=Category.objects.none(),
        empty_label=gettext_lazy("Choisissez une catégorie"),
        error_messages={"required": gettext_lazy("Choisissez une catégorie.")},
    )
    title = forms.CharField(
        label=gettext_lazy("Titre"),
        max_length=150,
        error_messages={"required": gettext_lazy("Indiquez un titre.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        help_text=gettext_lazy("PDF, JPEG ou PNG, 10 Mo au plus."),
        error_messages={
            "required": gettext_lazy("Choisissez le fichier à publier."),
            "empty": gettext_lazy("Ce fichier est vide : choisissez un autre fichier."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    published_on = forms.DateField(
        label=gettext_lazy("Date de publication"),
        widget=DateInput(),
        error_messages={
            "required": gettext_lazy("Indiquez la date de publication."),
            "invalid": gettext_lazy("Indiquez une date valide, par exemple 23/11/2026."),
        },
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Fin de publication"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Laissez vide pour le garder en ligne."),
        error_messages={
            "invalid": gettext_lazy("Indiquez une date valide, par exemple 23/11/2026.")
        },
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Destinataires"),
        choices=Audience.choices,
        initial=Audience.ALL,
        widget=forms.RadioSelect,
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Service"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=gettext_lazy("Choisissez un service"),
    )
    activity = forms.ModelChoiceField(
        label=gettext_lazy("Activité"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=gettext_lazy("Choisissez une activité"),
    )
    school = forms.CharField(label=gettext_lazy("École"), max_length=150, required=False)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        choices: dict[str, QuerySet[Any]] = {
            "category": Category.objects.for_municipality(municipality),
            "department": Department.objects.for_municipality(municipality),
            "activity": Activity.objects.for_municipality(municipality),
        }
        for name, queryset in choices.items():
            cast(forms.ModelChoiceField, self.fields[name]).queryset = queryset
        if not self.is_bound:
            self.initial.setdefault("published_on", timezone.localdate())

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_DOCUMENT_BYTES:
            raise ValidationError(_("Ce fichier dépasse 10 Mo : réduisez-le puis réessayez."))
        document_content_type(file)
        return file

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        published_on, ends_on = data.get("published_on"), data.get("ends_on")
        if published_on and ends_on and ends_on < published_on:
            self.add_error(
                "ends_on", _("La fin de publication doit suivre la date de publication.")
            )
        audience = data.get("audience")
        required = {
            Audience.DEPARTMENT: ("department", _("Choisissez le service concerné.")),
            Audience.ACTIVITY: ("activity", _("Choisissez l'activité concernée.")),
            Audience.SCHOOL: ("school", _("Indiquez l'école concernée.")),
        }
        if audience in required:
            field, message = required[audience]
            value = data.get(field)
            if not value or (isinstance(value, str) and not value.strip()):
                self.add_error(field, message)
        return data


class CategoryForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom de la catégorie"),
        max_length=100,
        error_messages={"required": gettext_lazy("Indiquez le nom de la catégorie.")},
    )

    def __init__(self, *args, municipality, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.instance = instance

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Category.objects.for_municipality(self.municipality).filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Une catégorie porte déjà ce nom."))
        return name
