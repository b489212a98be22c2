"""Staff billing pages: billing offices and tariffs (managers change them), the monthly runs
(compute, recompute, issue), one invoice with its manual payments and credit notes, the unpaid
and overpaid invoices, a household's invoices and the CSV export for the accounting office.

Each view is access, form, service or selector, response: reads live in billing.selectors,
what pages say in billing.presenters, the CSV in billing.exports."""

import csv
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ribambelle.accounts.access import manager_required, staff_required, staff_writer_required
from ribambelle.billing import exports, rules, selectors, services
from ribambelle.billing.account.selectors import invoice_credit_uses
from ribambelle.billing.forms_staff import (
    CreditNoteForm,
    OfficeForm,
    PaymentForm,
    PeriodForm,
    RunForm,
    TariffForm,
    bracket_formset,
)
from ribambelle.billing.models import ZERO, BillingOffice, Invoice
from ribambelle.billing.payments import selectors as payment_selectors
from ribambelle.billing.presenters import tariff_text
from ribambelle.billing.views import account
from ribambelle.bookings import selectors as booking_selectors
from ribambelle.families.selectors import household_get
from ribambelle.tenants.shortcuts import tenant_reverse

PAGE_SIZE = 50


def _url(request, name: str, **kwargs: object) -> str:
    return tenant_reverse(request.municipality, name, **kwargs)


def _page(request, found: QuerySet) -> Page:
    return Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))


def _require_writer(request) -> None:
    if request.method == "POST" and not request.user.can_write:
        raise PermissionDenied


# Billing offices


@manager_required
def offices(request):
    found = selectors.offices_of(request.municipality)
    return render(request, "billing/staff/offices.html", {"offices": found})


@manager_required
def office_add(request):
    return _office_form(request, BillingOffice(municipality=request.municipality))


@manager_required
def office_edit(request, pk: int):
    return _office_form(request, selectors.office_get(request.municipality, pk))


def _office_form(request, office: BillingOffice) -> HttpResponse:
    title = office.name
    form = OfficeForm(request.municipality, request.POST or None, instance=office)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.billing_office_save(
                municipality=request.municipality,
                actor=request.user,
                office=office if office.pk else None,
                values=form.values(),
            )
        except services.BillingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("La régie « %(name)s » est enregistrée.") % {"name": saved})
            return redirect(_url(request, "billing_staff:offices") + f"#regie-{saved.pk}")
    context = {"form": form, "office": office, "title": title}
    return render(
        request, "billing/staff/office_form.html", context, status=400 if form.errors else 200
    )


# Tariffs


@staff_required
def tariffs(request):
    found = selectors.activities_with_tariffs(request.municipality)
    rows = [(activity, tariff_text(getattr(activity, "tariff", None))) for activity in found]
    return render(request, "billing/staff/tariffs.html", {"rows": rows})


@manager_required
def tariff_edit(request, activity_pk: int):
    activity = booking_selectors.activity_get(request.municipality, activity_pk)
    tariff = selectors.tariff_of(activity)
    form = TariffForm(request.POST or None, instance=tariff)
    formset = bracket_formset(request.POST or None, selectors.tariff_brackets(tariff))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        services.tariff_save(
            municipality=request.municipality,
            actor=request.user,
            activity=activity,
            basis=form.cleaned_data["basis"],
            default_price=form.cleaned_data["default_price"],
            surcharge_price=form.cleaned_data["surcharge_price"],
            brackets=formset.brackets(),
        )
        messages.success(
            request, _("Le tarif de « %(name)s » est enregistré.") % {"name": activity.name}
        )
        return redirect(_url(request, "billing_staff:tariffs") + f"#tarif-{activity.pk}")
    has_errors = bool(form.errors) or bool(formset.total_error_count())
    context = {"form": form, "formset": formset, "activity": activity}
    return render(
        request, "billing/staff/tariff_form.html", context, status=400 if has_errors else 200
    )


# Monthly runs


@staff_required
def runs(request):
    """The runs, and the form that computes (or recomputes) a month's drafts."""
    _require_writer(request)
    municipality = request.municipality
    form = RunForm(municipality, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.invoice_run_compute(
                municipality=municipality,
                office=form.cleaned_data["office"],
                month=form.cleaned_data["month"],
                actor=request.user,
            )
        except services.BillingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Les factures sont calculées."))
            return redirect(_url(request, "billing_staff:run", pk=run.pk))
    page = _page(request, selectors.runs_of(municipality))
    context = {
        "form": form if request.user.can_write else None,
        "page_obj": page,
        "runs": page.object_list,
        "has_offices": selectors.has_offices(municipality),
    }
    return render(request, "billing/staff/runs.html", context, status=400 if form.errors else 200)


@staff_required
def run(request, pk: int):
    found = selectors.run_get(request.municipality, pk)
    page = _page(request, selectors.run_invoices(found))
    totals = selectors.run_totals(found)
    context = {"run": found, "page_obj": page, "invoices": page.object_list, "totals": totals}
    return render(request, "billing/staff/run.html", context)


@require_POST
@staff_writer_required
def run_recompute(request, pk: int):
    found = selectors.run_get(request.municipality, pk)
    try:
        services.invoice_run_compute(
            municipality=request.municipality,
            office=found.office,
            month=found.month,
            actor=request.user,
        )
    except services.BillingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Les factures sont recalculées."))
    return redirect(_url(request, "billing_staff:run", pk=found.pk))


@staff_writer_required
def run_issue(request, pk: int):
    """A confirmation page (GET), then the issue itself (POST)."""
    found = selectors.run_get(request.municipality, pk)
    if request.method != "POST":
        count = selectors.run_invoice_count(found)
        return render(request, "billing/staff/run_issue.html", {"run": found, "count": count})
    try:
        services.invoice_run_issue(municipality=request.municipality, run=found, actor=request.user)
    except services.BillingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Les factures sont émises ; les familles en sont informées par e-mail.")
        )
    return redirect(_url(request, "billing_staff:run", pk=found.pk))


# One invoice: the page, a payment received by the office, a credit note


def _invoice_page(
    request,
    invoice: Invoice,
    payment_form: PaymentForm | None = None,
    credit_form: CreditNoteForm | None = None,
) -> HttpResponse:
    """The invoice with its forms; a bound form with errors answers 400."""
    has_errors = bool(
        (payment_form and payment_form.errors) or (credit_form and credit_form.errors)
    )
    context = {
        "invoice": invoice,
        "lines": selectors.invoice_lines(invoice),
        "payments": selectors.invoice_payments(invoice),
        "credit_uses": invoice_credit_uses(invoice.pk, invoice.municipality_id),
        "credit_notes": selectors.invoice_credit_notes(invoice),
        "payment_form": payment_form or PaymentForm(prefix="paiement"),
        "credit_form": credit_form or CreditNoteForm(prefix="avoir"),
        "can_act": request.user.can_write and invoice.status == Invoice.Status.ISSUED,
    }
    return render(request, "billing/staff/invoice.html", context, status=400 if has_errors else 200)


@require_GET
@staff_required
def invoice(request, pk: int):
    return _invoice_page(request, selectors.staff_invoice_get(request.municipality, pk))


@require_POST
@staff_writer_required
def invoice_payment(request, pk: int):
    found = selectors.staff_invoice_get(request.municipality, pk)
    form = PaymentForm(request.POST, prefix="paiement")
    if form.is_valid():
        try:
            services.payment_record(
                municipality=request.municipality,
                invoice=found,
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le paiement est enregistré."))
            return redirect(_url(request, "billing_staff:invoice", pk=found.pk))
    return _invoice_page(request, found, payment_form=form)


@require_POST
@staff_writer_required
def invoice_credit(request, pk: int):
    found = selectors.staff_invoice_get(request.municipality, pk)
    form = CreditNoteForm(request.POST, prefix="avoir")
    if form.is_valid():
        try:
            note = services.credit_note_create(
                municipality=request.municipality,
                invoice=found,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("L'avoir %(number)s est créé.") % {"number": note})
            return redirect(_url(request, "billing_staff:invoice", pk=found.pk))
    return _invoice_page(request, found, credit_form=form)


# Unpaid and overpaid invoices, a household's invoices


@staff_required
def unpaid(request):
    """?retard=1: only those past their due date (the dashboard's link)."""
    municipality = request.municipality
    today = timezone.localdate()
    late_only = request.GET.get("retard") == "1"
    page = _page(
        request, selectors.unpaid_of(municipality, due_before=today if late_only else None)
    )
    invoices = list(page.object_list)
    balances = selectors.household_balances(municipality, {item.household_id for item in invoices})
    rows = [(item, balances.get(item.household_id, ZERO)) for item in invoices]
    context = {"page_obj": page, "rows": rows, "today": today, "late_only": late_only}
    return render(request, "billing/staff/unpaid.html", context)


@staff_required
def overpaid(request):
    """Trop-perçus: money received beyond an invoice, which the billing office must give back
    (or, once households have an account, keep as a credit)."""
    page = _page(request, selectors.overpaid_invoices(request.municipality))
    context = {"page_obj": page, "invoices": page.object_list}
    return render(request, "billing/staff/overpaid.html", context)


@staff_required
def stuck_payments(request):
    """Paiements en attente: online payments with no final answer from the provider after the
    alert time, or closed without one; staff check them in the provider's back office."""
    now = timezone.now()
    page = _page(request, payment_selectors.stuck_payments(request.municipality, now))
    context = {
        "page_obj": page,
        "payments": page.object_list,
        "alert_minutes": int(payment_selectors.pending_alert_after().total_seconds() // 60),
    }
    return render(request, "billing/staff/stuck_payments.html", context)


@require_GET
@staff_required
def household_invoices(request, pk: int):
    return account.household_page(request, household_get(request.municipality, pk))


# CSV export for the accounting office


def _period(request) -> tuple[date, date]:
    """?du=&au=, this month when they are missing or wrong."""
    start, end = rules.month_bounds(timezone.localdate())
    form = PeriodForm({"du": request.GET.get("du") or start, "au": request.GET.get("au") or end})
    if form.is_valid():
        return form.cleaned_data["du"], form.cleaned_data["au"]
    return start, end


@staff_required
def export(request):
    start, end = _period(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(start, end)}"'
    response.write("\ufeff")
    csv.writer(response, delimiter=";").writerows(
        exports.accounting_rows(request.municipality, start, end)
    )
    return response
