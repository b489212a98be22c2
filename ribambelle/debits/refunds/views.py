"""The staff page of refunds by credit transfer: households holding credit, the pending
transfers, the generated pain.001 files to hand to the bank."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ribambelle.accounts.access import staff_required, staff_writer_required
from ribambelle.core.files import serve_file
from ribambelle.debits.refunds import selectors, services
from ribambelle.debits.refunds.forms import RefundFileForm, RefundTransferForm
from ribambelle.tenants.shortcuts import tenant_reverse


def _page(request, transfer_form=None, file_form=None):
    municipality = request.municipality
    context = {
        "credits": selectors.households_with_credit(municipality),
        "pending": selectors.pending_transfers(municipality),
        "files": selectors.refund_files(municipality)[:50],
        "transfer_form": transfer_form,
        "file_form": file_form or RefundFileForm(municipality),
        # A refused refund shows again what was typed, on its household's row.
        "typed_for": transfer_form.data.get("household") if transfer_form else None,
        "typed_amount": transfer_form.data.get("amount") if transfer_form else None,
    }
    failed = (transfer_form is not None and transfer_form.errors) or (
        file_form is not None and file_form.errors
    )
    return render(request, "debits/refunds/page.html", context, status=400 if failed else 200)


@require_GET
@staff_required
def refunds(request):
    return _page(request)


@require_POST
@staff_writer_required
def refund_add(request):
    form = RefundTransferForm(request.municipality, request.POST)
    if form.is_valid():
        try:
            services.refund_transfer_create(
                municipality=request.municipality,
                office=form.cleaned_data["office"],
                household=form.cleaned_data["household"],
                amount=form.cleaned_data["amount"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Le remboursement sera dans le prochain fichier de virements.")
            )
            return redirect(tenant_reverse(request.municipality, "debits_returns:refunds"))
    return _page(request, transfer_form=form)


@require_POST
@staff_writer_required
def refund_file_add(request):
    form = RefundFileForm(request.municipality, request.POST)
    if form.is_valid():
        try:
            services.refund_file_generate(
                office=form.cleaned_data["office"], execution_on=None, actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le fichier de virements est prêt à télécharger."))
            return redirect(tenant_reverse(request.municipality, "debits_returns:refunds"))
    return _page(request, file_form=form)


@require_GET
@staff_writer_required
def refund_file(request, pk: int):
    found = selectors.refund_file_get(request.municipality, pk)
    return serve_file(
        found.file, content_type="application/xml", filename=f"{found.message_id}.xml"
    )
