"""Staff pages of the CSV import: upload, preview, confirmation, result, invitations.

A file is checked before it is stored (forms_imports.py): a refused file never reaches the
storage. Between the preview and the confirmation the file stays in the storage
(imports/files.py); the session keeps its random token and its SHA-256, checked again before
anything is written."""

import secrets

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import manager_required
from ribambelle.families.forms_imports import ImportForm
from ribambelle.families.imports.apply import households_import
from ribambelle.families.imports.files import (
    file_digest,
    import_file_delete,
    import_file_read,
    import_file_store,
)
from ribambelle.families.imports.invitations import (
    household_invitations_send,
    invitation_candidates,
    recently_invited_count,
)
from ribambelle.families.imports.plan import import_plan
from ribambelle.tenants.shortcuts import tenant_reverse

SESSION_KEY = "families_import"
RESULT_KEY = "families_import_result"


def _url(request, name: str, **kwargs: object) -> str:
    return tenant_reverse(request.municipality, name, **kwargs)


def _discard(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        import_file_delete(
            municipality_id=request.municipality.pk,
            user_id=request.user.pk,
            token=pending["token"],
        )


def _pending_file(request, token: str) -> bytes | None:
    """The file this manager previewed under `token`, unchanged since, or None."""
    pending = request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(pending["token"], token):
        return None
    return import_file_read(
        municipality_id=request.municipality.pk,
        user_id=request.user.pk,
        token=token,
        sha256=pending["sha256"],
    )


def _lost(request) -> HttpResponse:
    messages.error(
        request, _("Ce fichier n'est plus disponible : déposez-le à nouveau pour le vérifier.")
    )
    return redirect(_url(request, "families_staff:import_upload"))


@manager_required
def upload(request) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _discard(request)
        token = secrets.token_hex(16)
        import_file_store(
            municipality_id=request.municipality.pk,
            user_id=request.user.pk,
            token=token,
            data=form.content,
        )
        request.session[SESSION_KEY] = {
            "token": token,
            "sha256": file_digest(form.content),
            "filename": (form.cleaned_data["file"].name or "")[:200],
        }
        return redirect(_url(request, "families_staff:import_preview", token=token))
    status = 400 if form.errors else 200
    return render(request, "families/imports/upload.html", {"form": form}, status=status)


@manager_required
def preview(request, token: str) -> HttpResponse:
    data = _pending_file(request, token)
    if data is None:
        return _lost(request)
    plan = import_plan(request.municipality, data)
    return render(
        request,
        "families/imports/preview.html",
        {"plan": plan, "token": token, "filename": request.session[SESSION_KEY]["filename"]},
    )


@require_POST
@manager_required
def confirm(request, token: str) -> HttpResponse:
    data = _pending_file(request, token)
    if data is None:
        return _lost(request)
    try:
        plan = households_import(municipality=request.municipality, actor=request.user, data=data)
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
def result(request) -> HttpResponse:
    summary = request.session.get(RESULT_KEY)
    if summary is None:
        return redirect(_url(request, "families_staff:import_upload"))
    to_invite = invitation_candidates(request.municipality).count()
    return render(
        request, "families/imports/result.html", {"summary": summary, "to_invite": to_invite}
    )


@manager_required
def invitations(request) -> HttpResponse:
    municipality = request.municipality
    return render(
        request,
        "families/imports/invitations.html",
        {
            "to_invite": invitation_candidates(municipality).count(),
            "recently_invited": recently_invited_count(municipality),
        },
    )


@require_POST
@manager_required
def invitations_send(request) -> HttpResponse:
    sent = household_invitations_send(municipality=request.municipality, actor=request.user)
    if sent:
        messages.success(
            request,
            ngettext("%(count)s invitation envoyée.", "%(count)s invitations envoyées.", sent)
            % {"count": sent},
        )
    else:
        messages.info(request, _("Aucune invitation à envoyer."))
    return redirect(_url(request, "families_staff:import_invitations"))


urlpatterns = [
    path("familles/import/", upload, name="import_upload"),
    path("familles/import/apercu/<slug:token>/", preview, name="import_preview"),
    path("familles/import/apercu/<slug:token>/confirmer/", confirm, name="import_confirm"),
    path("familles/import/resultat/", result, name="import_result"),
    path("familles/invitations/", invitations, name="import_invitations"),
    path("familles/invitations/envoyer/", invitations_send, name="import_invitations_send"),
]
