"""Staff pages of the treasury export (managers only): the bordereaux sent, the form that sends
one (totals shown before confirming), a bordereau's pièces with what the treasury answered,
its file, and the import of the acknowledgement."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import manager_required
from ribambelle.core.files import serve_file
from ribambelle.tenants.shortcuts import tenant_reverse
from ribambelle.treasury import selectors, services
from ribambelle.treasury.forms import AcquitForm, ExportForm
from ribambelle.treasury.services.acquit import pes_acquit_import

PAGE_SIZE = 200


@manager_required
def exports(request):
    context = {"exports": selectors.exports_of(request.municipality)[:200]}
    return render(request, "treasury/exports.html", context)


@manager_required
def export_new(request):
    """A first post shows what would be sent; the second one (`confirm`) sends it."""
    form = ExportForm(request.municipality, request.POST or None)
    totals = None
    if request.method == "POST" and form.is_valid():
        office, source, run = (form.cleaned_data[key] for key in ("office", "source", "run"))
        if request.POST.get("confirm"):
            try:
                export = services.pes_export_create(
                    municipality=request.municipality,
                    office=office,
                    source_kind=source,
                    run=run,
                    actor=request.user,
                )
            except services.TreasuryError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Le bordereau N° %(number)s est prêt : %(count)s pièces.")
                    % {"number": export.bordereau, "count": export.count},
                )
                return redirect(
                    tenant_reverse(request.municipality, "treasury_staff:export", pk=export.pk)
                )
        else:
            totals = selectors.totals_of(
                selectors.exportable(request.municipality, office, source, run)
            )
    status = 400 if form.errors else 200
    return render(
        request, "treasury/export_new.html", {"form": form, "totals": totals}, status=status
    )


@manager_required
def export(request, pk: int):
    found = selectors.export_get(request.municipality, pk)
    return _export_page(request, found, AcquitForm())


def _export_page(request, found, form, status: int = 200) -> HttpResponse:
    page = Paginator(selectors.pieces_of(found), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"export": found, "page_obj": page, "form": form}
    return render(request, "treasury/export.html", context, status=status)


@manager_required
def export_file(request, pk: int):
    found = selectors.export_get(request.municipality, pk)
    name = f"PES_{found.year}_{found.bordereau:06d}.xml"
    return serve_file(found.file, content_type="application/xml", filename=name)


@manager_required
@require_POST
def export_acquit(request, pk: int):
    found = selectors.export_get(request.municipality, pk)
    form = AcquitForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = pes_acquit_import(
                municipality=request.municipality,
                export=found,
                content=form.cleaned_data["file"],
                actor=request.user,
            )
        except services.TreasuryError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                _("Acquittement enregistré : %(accepted)s pièces acceptées, %(rejected)s rejetées.")
                % {"accepted": result.accepted, "rejected": result.rejected},
            )
            return redirect(tenant_reverse(request.municipality, "treasury_staff:export", pk=pk))
    return _export_page(request, found, form, status=400)
