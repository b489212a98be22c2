"""Staff pages of a billing office's treasury settings (managers): the PES V2 codes and the
revenue imputations of its departments and activities."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from stdnum.fr import siret

from ribambelle.accounts.access import manager_required
from ribambelle.billing import selectors as billing_selectors
from ribambelle.billing.models import BillingOffice
from ribambelle.tenants.shortcuts import tenant_reverse
from ribambelle.treasury import selectors
from ribambelle.treasury.forms import ImputationGrid, TreasurySettingsForm
from ribambelle.treasury.services import TreasuryError
from ribambelle.treasury.services import settings as services

FIELDS = ["collectivity_code", "budget_code", "post_code", "nomenclature", "title_object", "payfip"]


def _page_url(request, office: BillingOffice) -> str:
    return tenant_reverse(request.municipality, "treasury_settings:office", office_pk=office.pk)


def _settings_form(office: BillingOffice, data=None) -> TreasurySettingsForm:
    saved = selectors.settings_of(office)
    initial = {name: getattr(saved, name) for name in FIELDS} if saved else {}
    return TreasurySettingsForm(data, initial=initial)


def _render(
    request,
    office: BillingOffice,
    form: TreasurySettingsForm | None = None,
    grid: ImputationGrid | None = None,
) -> HttpResponse:
    form = form or _settings_form(office)
    grid = grid or ImputationGrid(selectors.imputation_grid(office))
    context = {
        "office": office,
        "form": form,
        "grid": grid,
        # The treasury refuses a file whose collectivity has no valid SIRET.
        "siret_valid": bool(office.siret) and siret.is_valid(office.siret),
    }
    failed = bool(form.errors) or bool(grid.errors)
    return render(request, "treasury/settings.html", context, status=400 if failed else 200)


@manager_required
def office(request, office_pk: int):
    """The page, and the save of the PES codes."""
    found = billing_selectors.office_get(request.municipality, office_pk)
    if request.method != "POST":
        return _render(request, found)
    form = _settings_form(found, request.POST)
    if form.is_valid():
        services.treasury_settings_save(
            municipality=request.municipality,
            actor=request.user,
            office=found,
            values=form.values(),
        )
        messages.success(request, _("Les paramètres du Trésor public sont enregistrés."))
        return redirect(_page_url(request, found))
    return _render(request, found, form=form)


@manager_required
@require_POST
def imputations(request, office_pk: int):
    """The save of the whole imputation table."""
    found = billing_selectors.office_get(request.municipality, office_pk)
    grid = ImputationGrid(selectors.imputation_grid(found), request.POST)
    if grid.is_valid():
        try:
            changed = services.imputations_save(
                municipality=request.municipality,
                actor=request.user,
                office=found,
                departments=grid.values("department"),
                activities=grid.values("activity"),
            )
        except TreasuryError as error:
            grid.add_error(None, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "Imputations enregistrées : %(count)s changement.",
                    "Imputations enregistrées : %(count)s changements.",
                    changed,
                )
                % {"count": changed},
            )
            return redirect(_page_url(request, found) + "#imputations")
    return _render(request, found, grid=grid)
