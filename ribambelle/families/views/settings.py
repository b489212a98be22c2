"""The municipality's settings for family records (managers): sign-up, categories under
validation, the consents asked of families and the items each department requires. Every
change is audited by its service."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import manager_required
from ribambelle.families import selectors
from ribambelle.families.forms_staff import ConsentForm, FamilySettingsForm, RequirementForm
from ribambelle.families.services import staff as services
from ribambelle.tenants.shortcuts import tenant_reverse


def _settings_page(
    request, settings_form=None, consent_form=None, requirement_form=None, status: int = 200
) -> HttpResponse:
    municipality = request.municipality
    current = selectors.family_settings_of(municipality)
    initial = {
        "signup_enabled": current.signup_enabled,
        "validated_categories": current.validated_categories,
    }
    requirements = selectors.requirements_of(municipality).order_by(
        "department__name", "item", "pk"
    )
    context = {
        "settings_form": settings_form or FamilySettingsForm(initial=initial),
        "consent_form": consent_form or ConsentForm(),
        "requirement_form": requirement_form or RequirementForm(municipality),
        "consents": list(selectors.consents_of(municipality)),
        "requirements": list(requirements),
    }
    return render(request, "families/staff/settings.html", context, status=status)


def _to_settings(request, anchor: str = "") -> HttpResponse:
    url = tenant_reverse(request.municipality, "families_staff:settings")
    return redirect(f"{url}#{anchor}" if anchor else url)


@manager_required
def family_settings(request) -> HttpResponse:
    if request.method != "POST":
        return _settings_page(request)
    form = FamilySettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, settings_form=form, status=400)
    services.family_settings_save(
        actor=request.user,
        municipality=request.municipality,
        signup_enabled=form.cleaned_data["signup_enabled"],
        validated=form.cleaned_data["validated_categories"],
    )
    messages.success(request, _("Les réglages des dossiers familles sont enregistrés."))
    return _to_settings(request)


@require_POST
@manager_required
def consent_add(request) -> HttpResponse:
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, consent_form=form, status=400)
    consent = services.consent_create(
        actor=request.user, municipality=request.municipality, **form.cleaned_data
    )
    messages.success(request, _("L'autorisation « %(label)s » est ajoutée.") % {"label": consent})
    return _to_settings(request, "autorisations")


@manager_required
def consent_edit(request, pk: int) -> HttpResponse:
    consent = selectors.consent_get(request.municipality, pk)
    initial = {"label": consent.label, "description": consent.description}
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.consent_update(actor=request.user, consent=consent, **form.cleaned_data)
        messages.success(
            request, _("L'autorisation « %(label)s » est enregistrée.") % {"label": consent}
        )
        return _to_settings(request, "autorisations")
    return render(
        request,
        "families/staff/consent_form.html",
        {"form": form, "consent": consent, "title": consent.label},
        status=400 if form.errors else 200,
    )


@require_POST
@manager_required
def consent_move(request, pk: int) -> HttpResponse:
    consent = selectors.consent_get(request.municipality, pk)
    step = -1 if request.POST.get("direction") == "up" else 1
    services.consent_move(
        actor=request.user, municipality=request.municipality, consent=consent, step=step
    )
    return _to_settings(request, "autorisations")


@require_POST
@manager_required
def consent_delete(request, pk: int) -> HttpResponse:
    consent = selectors.consent_get(request.municipality, pk)
    services.consent_delete(actor=request.user, municipality=request.municipality, consent=consent)
    messages.success(request, _("L'autorisation « %(label)s » est supprimée.") % {"label": consent})
    return _to_settings(request, "autorisations")


@require_POST
@manager_required
def requirement_add(request) -> HttpResponse:
    form = RequirementForm(request.municipality, request.POST)
    if not form.is_valid():
        return _settings_page(request, requirement_form=form, status=400)
    services.requirement_add(
        actor=request.user, municipality=request.municipality, **form.cleaned_data
    )
    messages.success(request, _("La pièce obligatoire est ajoutée."))
    return _to_settings(request, "pieces")


@require_POST
@manager_required
def requirement_delete(request, pk: int) -> HttpResponse:
    requirement = selectors.requirement_get(request.municipality, pk)
    services.requirement_delete(
        actor=request.user, municipality=request.municipality, requirement=requirement
    )
    messages.success(request, _("La pièce obligatoire est retirée."))
    return _to_settings(request, "pieces")


urlpatterns = [
    path("reglages-familles/", family_settings, name="settings"),
    path("reglages-familles/autorisations/ajouter/", consent_add, name="consent_add"),
    path("reglages-familles/autorisations/<int:pk>/", consent_edit, name="consent_edit"),
    path("reglages-familles/autorisations/<int:pk>/deplacer/", consent_move, name="consent_move"),
    path(
        "reglages-familles/autorisations/<int:pk>/supprimer/",
        consent_delete,
        name="consent_delete",
    ),
    path("reglages-familles/pieces/ajouter/", requirement_add, name="requirement_add"),
    path(
        "reglages-familles/pieces/<int:pk>/supprimer/",
        requirement_delete,
        name="requirement_delete",
    ),
]
