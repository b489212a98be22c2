"""The family account on the pages that show it: its balance and history on "Mes factures"
and on a household's staff billing page, where staff also record a refund of the credit."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import staff_writer_required
from ribambelle.billing import hooks, selectors
from ribambelle.billing.account import selectors as account_selectors
from ribambelle.billing.account.forms import FeePaymentForm, RefundForm
from ribambelle.billing.account.presenters import movement_rows
from ribambelle.billing.account.services import account_refund_record, fee_payment_record
from ribambelle.billing.reminders import selectors as reminder_selectors
from ribambelle.billing.reminders.forms import PauseForm
from ribambelle.families.models import Household
from ribambelle.families.selectors import household_get
from ribambelle.tenants.shortcuts import tenant_reverse

MOVEMENTS_PER_PAGE = 20
INVOICES_PER_PAGE = 50


class _CountedPaginator(Paginator):
    """A paginator told the number of items (read with the balance) instead of counting them."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.count = count


def account_context(request, household: Household) -> dict[str, object]:
    """The balance and one page of the history, newest first (`?mouvements=N`), in two
    queries."""
    summary, count = account_selectors.account_overview(household)
    page = _CountedPaginator(
        account_selectors.account_movements(household), MOVEMENTS_PER_PAGE, count
    )
    movements = page.get_page(request.GET.get("mouvements"))
    return {
        "account": summary,
        "movements_page": movements,
        "movements": movement_rows(list(movements.object_list)),
    }


def household_page(
    request,
    household: Household,
    refund_form: RefundForm | None = None,
    fee_form: FeePaymentForm | None = None,
) -> HttpResponse:
    """A household's invoices and account for staff; a refused refund or fee payment answers
    400."""
    page = Paginator(selectors.household_invoices(household), INVOICES_PER_PAGE)
    invoices = page.get_page(request.GET.get("page"))
    context = {
        "household": household,
        "page_obj": invoices,
        "invoices": invoices.object_list,
        "balance": selectors.household_balance(household),
        "refund_form": refund_form or RefundForm(prefix="remboursement"),
        "fee_form": fee_form or FeePaymentForm(prefix="frais"),
        "can_refund": request.user.can_write,
        "pause": reminder_selectors.pause_of(household),
        "pause_form": PauseForm(),
        "sections": hooks.sections(hooks.STAFF_HOUSEHOLD_SECTIONS, household),
        **account_context(request, household),
    }
    refused = any(form is not None and form.errors for form in (refund_form, fee_form))
    status = 400 if refused else 200
    return render(request, "billing/staff/household_invoices.html", context, status=status)


@require_POST
@staff_writer_required
def household_refund(request, pk: int):
    household = household_get(request.municipality, pk)
    form = RefundForm(request.POST, prefix="remboursement")
    if form.is_valid():
        try:
            account_refund_record(
                municipality=request.municipality,
                household=household,
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                refunded_on=form.cleaned_data["refunded_on"],
                reference=form.cleaned_data["reference"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le remboursement est enregistré."))
            url = tenant_reverse(request.municipality, "billing_staff:household_invoices", pk=pk)
            return redirect(url)
    return household_page(request, household, form)


@require_POST
@staff_writer_required
def household_fee_payment(request, pk: int):
    household = household_get(request.municipality, pk)
    form = FeePaymentForm(request.POST, prefix="frais")
    if form.is_valid():
        try:
            fee_payment_record(
                municipality=request.municipality,
                household=household,
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le règlement des frais est enregistré."))
            url = tenant_reverse(request.municipality, "billing_staff:household_invoices", pk=pk)
            return redirect(url)
    return household_page(request, household, fee_form=form)
