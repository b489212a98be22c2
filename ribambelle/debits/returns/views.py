"""Staff pages of returned debits (Rejets de prélèvement): the list of returns, the import of
the bank's file with its summary, and the manual entry."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ribambelle.accounts.access import staff_required, staff_writer_required
from ribambelle.debits.returns import selectors, services
from ribambelle.debits.returns.forms import ManualReturnForm, ReturnFileForm
from ribambelle.debits.returns.reasons import reason_label
from ribambelle.tenants.shortcuts import tenant_reverse

PER_PAGE = 50


def _list_page(request, form: ReturnFileForm, result=None, status: int = 200):
    page = Paginator(selectors.debit_returns(request.municipality), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        (record, reason_label(record.reason_code), Decimal(record.debit.amount_cents) / 100)
        for record in page.object_list
    ]
    context = {"form": form, "page_obj": page, "rows": rows, "result": result}
    return render(request, "debits/returns/list.html", context, status=status)


@require_GET
@staff_required
def returns_list(request):
    return _list_page(request, ReturnFileForm(request.municipality))


@staff_writer_required
def returns_upload(request):
    """Import a bank file; the answer is the list page with the import's summary."""
    if request.method != "POST":
        return redirect(tenant_reverse(request.municipality, "debits_returns:list"))
    form = ReturnFileForm(request.municipality, request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    try:
        result = services.returns_import(
            office=form.cleaned_data["office"],
            uploaded_file=form.cleaned_data["file"],
            actor=request.user,
        )
    except ValidationError as error:
        form.add_error("file", error)
        return _list_page(request, form, status=400)
    return _list_page(request, ReturnFileForm(request.municipality), result=result)


@staff_writer_required
def return_add(request):
    form = ManualReturnForm(request.municipality, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.debit_return_record(
                municipality=request.municipality,
                debit=form.cleaned_data["debit"],
                reason_code=form.cleaned_data["reason_code"],
                returned_on=form.cleaned_data["returned_on"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le rejet est enregistré ; la famille est prévenue."))
            return redirect(tenant_reverse(request.municipality, "debits_returns:list"))
    status = 400 if form.errors else 200
    return render(request, "debits/returns/add.html", {"form": form}, status=status)
