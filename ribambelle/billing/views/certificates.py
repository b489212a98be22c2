"""Staff page of the tax certificates (managers): the settings, the certificates of a year and
the button that generates them."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import manager_required
from ribambelle.billing.certificates import selectors, services, tasks
from ribambelle.billing.certificates.forms import SettingsForm
from ribambelle.tenants.shortcuts import tenant_reverse

FIRST_YEAR = 2005  # the tax credit's first year


def _years() -> list[int]:
    last = timezone.localdate().year - 1
    return list(range(last, max(FIRST_YEAR, last - 9) - 1, -1))


def _year(value: str | None) -> int | None:
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if year in _years() else None


def _page_url(request, year: int) -> str:
    return f"{tenant_reverse(request.municipality, 'billing_staff:certificates')}?annee={year}"


def _page(request, year: int, form: SettingsForm) -> HttpResponse:
    certificates = selectors.certificates_of_year(request.municipality, year)
    context = {
        "year": year,
        "years": _years(),
        "form": form,
        "certificates": certificates,
        "total": sum(item.total for item in certificates),
    }
    return render(
        request, "billing/staff/certificates.html", context, status=400 if form.errors else 200
    )


@manager_required
def certificates(request):
    """?annee=2025: the certificates of that year (the previous year by default)."""
    year = _year(request.GET.get("annee")) or _years()[0]
    settings = selectors.settings_of(request.municipality)
    return _page(request, year, SettingsForm(request.municipality, instance=settings))


@manager_required
@require_POST
def certificate_settings(request):
    settings = selectors.settings_of(request.municipality)
    form = SettingsForm(request.municipality, request.POST, instance=settings)
    year = _year(request.POST.get("annee")) or _years()[0]
    if not form.is_valid():
        return _page(request, year, form)
    services.certificate_settings_save(
        municipality=request.municipality, actor=request.user, values=form.values()
    )
    messages.success(request, _("Les réglages des attestations fiscales sont enregistrés."))
    return redirect(_page_url(request, year))


@manager_required
@require_POST
def certificates_generate(request):
    year = _year(request.POST.get("annee"))
    if year is None:
        messages.error(request, _("Choisissez une année terminée."))
        return redirect(tenant_reverse(request.municipality, "billing_staff:certificates"))
    tasks.generate_tax_certificates.enqueue(request.municipality.pk, year, request.user.pk)
    messages.success(
        request,
        _(
            "Les attestations %(year)s sont en cours de génération : elles apparaissent ici et "
            "dans « Mes documents » des familles au fur et à mesure, et chaque foyer est "
            "prévenu par e-mail."
        )
        % {"year": year},
    )
    return redirect(_page_url(request, year))
