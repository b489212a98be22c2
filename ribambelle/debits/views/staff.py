"""Mandates on the staff page of a household: record a paper mandate with its scan, suspend
and reactivate (staff who may write), open the signed document (any staff)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import staff_required, staff_writer_required
from ribambelle.core.files import serve_file
from ribambelle.debits.mandates import selectors, services
from ribambelle.debits.mandates.documents import mandate_document_type
from ribambelle.debits.mandates.forms import PaperMandateForm, SuspendForm
from ribambelle.families.selectors import household_get
from ribambelle.tenants.shortcuts import tenant_reverse


def _household_page(request, household) -> str:
    url = tenant_reverse(request.municipality, "billing_staff:household_invoices", pk=household.pk)
    return f"{url}#mandats"


@staff_writer_required
def paper_mandate(request, pk: int):
    household = household_get(request.municipality, pk)
    creditors = selectors.creditors_of(request.municipality.pk)
    form = PaperMandateForm(creditors, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.mandate_paper_record(
                municipality=request.municipality,
                household=household,
                office=data["office"].office,
                actor=request.user,
                values=form.values(),
                signed_on=data["signed_on"],
                reference=data["reference"],
                scan=data["scan"],
                content_type=form.content_type,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le mandat papier est enregistré."))
            return redirect(_household_page(request, household))
    context = {"form": form, "household": household}
    status = 400 if form.errors else 200
    return render(request, "debits/staff/paper_mandate.html", context, status=status)


@require_POST
@staff_writer_required
def mandate_suspend(request, pk: int, mandate_pk: int):
    household = household_get(request.municipality, pk)
    mandate = selectors.staff_mandate_get(request.municipality, household, mandate_pk)
    form = SuspendForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.mandate_suspend(
            municipality=request.municipality, mandate=mandate, actor=request.user, reason=reason
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("Le mandat %(reference)s est suspendu.") % {"reference": mandate}
        )
    return redirect(_household_page(request, household))


@require_POST
@staff_writer_required
def mandate_reactivate(request, pk: int, mandate_pk: int):
    household = household_get(request.municipality, pk)
    mandate = selectors.staff_mandate_get(request.municipality, household, mandate_pk)
    try:
        services.mandate_reactivate(
            municipality=request.municipality, mandate=mandate, actor=request.user
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("Le mandat %(reference)s est réactivé.") % {"reference": mandate}
        )
    return redirect(_household_page(request, household))


@staff_required
def mandate_document(request, pk: int, mandate_pk: int):
    household = household_get(request.municipality, pk)
    mandate = selectors.staff_mandate_get(request.municipality, household, mandate_pk)
    if not mandate.document:
        raise Http404
    content_type, filename = mandate_document_type(mandate)
    return serve_file(mandate.document, content_type=content_type, filename=filename, inline=True)
