"""The CSV import's upload form: the file is checked (size, type by content, encoding, header,
length) before it is stored, so a refused file never reaches the storage."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ribambelle.families.imports.parse import MAX_BYTES, file_problems


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "Une ligne par enfant, séparateur « ; » ou « , », 5 Mo et 20 000 lignes au plus."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    content: bytes

    def clean_file(self) -> UploadedFile:
        file: UploadedFile = self.cleaned_data["file"]
        size = file.size or 0
        if size > MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers.")
            )
        if not size:
            raise forms.ValidationError(_("Le fichier est vide."))
        self.content = b"".join(file.chunks())
        problems = file_problems(self.content)
        if problems:
            raise forms.ValidationError(problems)
        return file
