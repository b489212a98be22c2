from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ribambelle.tenants.models import Department, Municipality
from ribambelle.tenants.services import DEPARTMENT_FIELDS


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = list(DEPARTMENT_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, municipality, *args, **kwargs):
        self.municipality = municipality
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Department.objects.for_municipality(self.municipality).filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Un service porte déjà ce nom."))
        return name


class NewsForm(forms.ModelForm):
    class Meta:
        model = Municipality
        fields = ["news"]
        widgets = {"news": forms.Textarea(attrs={"rows": 5, "maxlength": 2000})}
