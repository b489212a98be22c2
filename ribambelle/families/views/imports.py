"""Staff pages of the CSV import: upload, preview, confirmation, result, invitations.

A file is checked (type by content, size, encoding, header) before it is stored: a refused file
never reaches the storage. Between the preview and the confirmation the uploaded file stays in
the default storage (private folder or object storage, never this process's memory) under a
random name that includes the manager's account; the session keeps that name and the file's
SHA-256, checked again before anything is written. A confirmed file is deleted at once, a file
replaced by another upload too, and a file never confirmed after 24 hours by
`manage.py purge_import_files` (and by the next upload in its municipality)."""

import hashlib
import secrets

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import manager_required
from ribambelle.families import imports
from ribambelle.tenants.shortcuts import tenant_reverse

SESSION_KEY = "families_import"
RESULT_KEY = "families_import_result"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV"),
        help_text=gettext_lazy(
            "Une ligne par enfant, séparateur « ; » ou « , », 5 Mo et 20 000 lignes au plus."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers.")
            )
        if not file.size:
            raise forms.ValidationError(_("Le fichier est vide."))
        self.content = b"".join(file.chunks())
        problems = imports.file_problems(self.content)
        if problems:
            raise forms.ValidationError(problems)
        return file


def _url(request, name, **kwargs):
    return tenant_reverse(request.municipality, name, **kwargs)


def _storage_name(request, token: str) -> str:
    return imports.file_name(request.municipality.pk, request.user.pk, token)


def _discard(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        default_storage.delete(_storage_name(request, pending["token"]))


def _pending_file(request, token: str) -> bytes | None:
    """The file this manager previewed under `token`, unchanged since, or None."""
    pending = request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(pending["token"], token):
        return None
    name = _storage_name(request, token)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as stored:
        data = stored.read(imports.MAX_BYTES + 1)
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        return None
    return data


def _lost(request):
    messages.error(
        request, _("Ce fichier n'est plus disponible : déposez-le à nouveau pour le vérifier.")
    )
    return redirect(_url(request, "families_staff:import_upload"))


@manager_required
def upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _discard(request)
        data = form.content
        token = secrets.token_hex(16)
        imports.file_store(
            municipality_id=request.municipality.pk,
            user_id=request.user.pk,
            token=token,
            data=data,
        )
        request.session[SESSION_KEY] = {
            "token": token,
            "sha256": hashlib.sha256(data).hexdigest(),
            "filename": form.cleaned_data["file"].name[:200],
        }
        return redirect(_url(request, "families_staff:import_preview", token=token))
    return render(
        request,
        "families/imports/upload.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@manager_required
def preview(request, token):
    data = _pending_file(request, token)
    if data is None:
        return _lost(request)
    plan = imports.import_plan(request.municipality, data)
    return render(
        request,
        "families/imports/preview.html",
        {"plan": plan, "token": token, "filename": request.session[SESSION_KEY]["filename"]},
    )


@require_POST
@manager_required
def confirm(request, token):
    data = _pending_file(request, token)
    if data is None:
        return _lost(request)
    try:
        plan = imports.households_import(
            municipality=request.municipality, actor=request.user, data=data
        )
    except IntegrityError:
        # A concurrent change (the same file confirmed twice at once, an account created
        # meanwhile): the transaction is rolled back; checking again will say what is wrong.
        messages.error(
            request,
            _("Les données ont changé pendant l'import ; rien n'a été enregistré. Réessayez."),
        )
        return redirect(_url(request, "families_staff:import_preview", token=token))
    if not plan.ok:
        messages.error(
            request,
            _(
                "Le fichier contient des erreurs : rien n'a été enregistré. Corrigez-le puis "
                "déposez-le à nouveau."
            ),
        )
        return redirect(_url(request, "families_staff:import_preview", token=token))
    _discard(request)
    request.session[RESULT_KEY] = plan.summary()
    messages.success(request, _("L'import est terminé."))
    return redirect(_url(request, "families_staff:import_result"))


@manager_required
def result(request):
    summary = request.session.get(RESULT_KEY)
    if summary is None:
        return redirect(_url(request, "families_staff:import_upload"))
    return render(
        request,
        "families/imports/result.html",
        {
            "summary": summary,
            "to_invite": imports.invitation_candidates(request.municipality).count(),
        },
    )


@manager_required
def invitations(request):
    municipality = request.municipality
    if request.method == "POST":
        sent = imports.household_invitations_send(municipality=municipality, actor=request.user)
        if sent:
            messages.success(
                request,
                ngettext("%(count)s invitation envoyée.", "%(count)s invitations envoyées.", sent)
                % {"count": sent},
            )
        else:
            messages.info(request, _("Aucune invitation à envoyer."))
        return redirect(_url(request, "families_staff:import_invitations"))
    return render(
        request,
        "families/imports/invitations.html",
        {
            "to_invite": imports.invitation_candidates(municipality).count(),
            "recently_invited": imports.recently_invited_count(municipality),
        },
    )


urlpatterns = [
    path("familles/import/", upload, name="import_upload"),
    path("familles/import/apercu/<slug:token>/", preview, name="import_preview"),
    path("familles/import/apercu/<slug:token>/confirmer/", confirm, name="import_confirm"),
    path("familles/import/resultat/", result, name="import_result"),
    path("familles/invitations/", invitations, name="import_invitations"),
]
