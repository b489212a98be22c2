"""Staff billing pages: billing offices and tariffs (managers change them), the monthly runs
(compute, recompute, issue), one invoice with its manual payments and credit notes, the unpaid
invoices, a household's invoices and the CSV export for the accounting office.

Every list reads a constant number of queries whatever its length: totals come from aggregates,
balances from one grouped query per page."""

import csv
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import manager_required, staff_required, staff_writer_required
from ribambelle.billing import selectors, services
from ribambelle.billing.forms_staff import (
    BracketFormSet,
    CreditNoteForm,
    OfficeForm,
    PaymentForm,
    PeriodForm,
    RunForm,
    TariffForm,
)
from ribambelle.billing.models import (
    ZERO,
    BillingOffice,
    CreditNote,
    Invoice,
    InvoiceRun,
    Payment,
    Tariff,
)
from ribambelle.bookings import selectors as booking_selectors
from ribambelle.core.spreadsheet import safe_cell
from ribambelle.families.selectors import household_get
from ribambelle.tenants.shortcuts import tenant_reverse

PAGE_SIZE = 50
MONEY = DecimalField(max_digits=12, decimal_places=2)
DUE = ExpressionWrapper(F("total") - F("paid") - F("credited"), output_field=MONEY)


def _url(request, name, **kwargs) -> str:
    return tenant_reverse(request.municipality, name, **kwargs)


def _require_writer(request) -> None:
    if request.method == "POST" and not request.user.can_write:
        raise PermissionDenied


def euros(value: Decimal | None) -> str:
    return _("%(amount)s €") % {"amount": formats.number_format(value, 2)}


# Billing offices


@manager_required
def offices(request):
    found = (
        BillingOffice.objects.for_municipality(request.municipality)
        .prefetch_related("departments")
        .order_by("name")
    )
    return render(request, "billing/staff/offices.html", {"offices": found})


@manager_required
def office_add(request):
    return _office_form(request, BillingOffice(municipality=request.municipality))


@manager_required
def office_edit(request, pk: int):
    office = get_object_or_404(BillingOffice.objects.for_municipality(request.municipality), pk=pk)
    return _office_form(request, office)


def _office_form(request, office: BillingOffice):
    before = services.office_snapshot(office)
    title = office.name
    form = OfficeForm(request.municipality, request.POST or None, instance=office)
    if request.method == "POST" and form.is_valid():
        saved = services.office_save(
            municipality=request.municipality, actor=request.user, form=form, before=before
        )
        messages.success(request, _("La régie « %(name)s » est enregistrée.") % {"name": saved})
        return redirect(_url(request, "billing_staff:offices") + f"#regie-{saved.pk}")
    return render(
        request,
        "billing/staff/office_form.html",
        {"form": form, "office": office, "title": title},
        status=400 if form.errors else 200,
    )


# Tariffs


def tariff_text(tariff: Tariff | None) -> list[str]:
    """The tariff in words, one phrase per line: "QF < 500 : 1,20 €"."""
    if tariff is None:
        return [_("Pas de tarif : cette activité n'est pas facturée.")]
    lines = [
        _("Facturé sur %(basis)s.") % {"basis": tariff.get_basis_display()},
    ]
    brackets = list(tariff.brackets.all())
    for bracket in brackets:
        if bracket.up_to is None:
            lines.append(_("QF au-delà : %(price)s") % {"price": euros(bracket.price)})
        else:
            lines.append(
                _("QF < %(bound)s : %(price)s")
                % {"bound": formats.number_format(bracket.up_to, 0), "price": euros(bracket.price)}
            )
    lines.append(
        _("Prix par défaut (quotient inconnu) : %(price)s") % {"price": euros(tariff.default_price)}
    )
    if tariff.surcharge_price is not None:
        lines.append(_("Prix majoré : %(price)s") % {"price": euros(tariff.surcharge_price)})
    return lines


@staff_required
def tariffs(request):
    found = (
        booking_selectors.activities_of(request.municipality)
        .select_related("tariff")
        .prefetch_related("tariff__brackets")
    )
    rows = [(activity, tariff_text(getattr(activity, "tariff", None))) for activity in found]
    return render(request, "billing/staff/tariffs.html", {"rows": rows})


@manager_required
def tariff_edit(request, activity_pk: int):
    activity = booking_selectors.activity_get(request.municipality, activity_pk)
    tariff = Tariff.objects.filter(activity=activity).first() or Tariff(activity=activity)
    initial = (
        [{"up_to": b.up_to, "price": b.price} for b in tariff.brackets.all()] if tariff.pk else []
    )
    data = request.POST or None
    form = TariffForm(data, instance=tariff)
    formset = BracketFormSet(data, initial=initial, prefix="tranches")
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
    return render(
        request,
        "billing/staff/tariff_form.html",
        {"form": form, "formset": formset, "activity": activity},
        status=400 if has_errors else 200,
    )


# Monthly runs


@staff_required
def runs(request):
    _require_writer(request)
    municipality = request.municipality
    form = RunForm(municipality, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.run_compute(
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
    found = (
        InvoiceRun.objects.for_municipality(municipality)
        .select_related("office")
        .annotate(invoice_count=Count("invoices"), amount=Sum("invoices__total"))
        .order_by("-month", "office__name")
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/staff/runs.html",
        {
            "form": form if request.user.can_write else None,
            "page_obj": page,
            "runs": page.object_list,
            "has_offices": BillingOffice.objects.for_municipality(municipality).exists(),
        },
        status=400 if form.errors else 200,
    )


def _run_get(request, pk: int) -> InvoiceRun:
    return get_object_or_404(
        InvoiceRun.objects.for_municipality(request.municipality).select_related("office"), pk=pk
    )


@staff_required
def run(request, pk: int):
    found = _run_get(request, pk)
    invoices = (
        Invoice.objects.filter(run=found)
        .select_related("household")
        .order_by("household__name", "pk")
    )
    totals = invoices.aggregate(
        count=Count("pk"),
        total=Coalesce(Sum("total"), Value(ZERO), output_field=MONEY),
        paid=Coalesce(Sum("paid"), Value(ZERO), output_field=MONEY),
        credited=Coalesce(Sum("credited"), Value(ZERO), output_field=MONEY),
    )
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/staff/run.html",
        {"run": found, "page_obj": page, "invoices": page.object_list, "totals": totals},
    )


@require_POST
@staff_writer_required
def run_recompute(request, pk: int):
    found = _run_get(request, pk)
    try:
        services.run_compute(
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
    found = _run_get(request, pk)
    if request.method == "POST":
        try:
            services.run_issue(municipality=request.municipality, run=found, actor=request.user)
        except services.BillingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Les factures sont émises ; les familles en sont informées par e-mail."),
            )
        return redirect(_url(request, "billing_staff:run", pk=found.pk))
    count = Invoice.objects.filter(run=found).count()
    return render(request, "billing/staff/run_issue.html", {"run": found, "count": count})


# One invoice


def _invoice_get(request, pk: int) -> Invoice:
    return get_object_or_404(
        Invoice.objects.for_municipality(request.municipality).select_related(
            "household", "office", "run"
        ),
        pk=pk,
    )


@staff_required
def invoice(request, pk: int):
    _require_writer(request)
    found = _invoice_get(request, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    payment_form = PaymentForm(request.POST if action == "payment" else None, prefix="paiement")
    credit_form = CreditNoteForm(request.POST if action == "credit" else None, prefix="avoir")
    if action == "payment" and payment_form.is_valid():
        data = payment_form.cleaned_data
        try:
            services.payment_record(
                municipality=request.municipality,
                invoice=found,
                amount=data["amount"],
                method=data["method"],
                received_on=data["received_on"],
                reference=data["reference"],
                actor=request.user,
            )
        except ValidationError as error:
            payment_form.add_error(None, error)
        else:
            messages.success(request, _("Le paiement est enregistré."))
            return redirect(_url(request, "billing_staff:invoice", pk=found.pk))
    elif action == "credit" and credit_form.is_valid():
        data = credit_form.cleaned_data
        try:
            note = services.credit_note_create(
                municipality=request.municipality,
                invoice=found,
                amount=data["amount"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            credit_form.add_error(None, error)
        else:
            messages.success(request, _("L'avoir %(number)s est créé.") % {"number": note})
            return redirect(_url(request, "billing_staff:invoice", pk=found.pk))
    has_errors = bool(payment_form.errors or credit_form.errors)
    return render(
        request,
        "billing/staff/invoice.html",
        {
            "invoice": found,
            "lines": found.lines.all(),
            "payments": Payment.objects.filter(invoice=found).order_by("received_on", "pk"),
            "credit_notes": CreditNote.objects.filter(invoice=found).order_by("pk"),
            "payment_form": payment_form,
            "credit_form": credit_form,
            "can_act": request.user.can_write and found.status == Invoice.Status.ISSUED,
        },
        status=400 if has_errors else 200,
    )


# Unpaid invoices and a household's invoices


def _balances(municipality, household_ids) -> dict[int, Decimal]:
    rows = (
        Invoice.objects.for_municipality(municipality)
        .filter(status=Invoice.Status.ISSUED, household_id__in=household_ids)
        .values("household_id")
        .annotate(balance=Sum(DUE))
        .values_list("household_id", "balance")
    )
    return dict(rows)


@staff_required
def unpaid(request):
    """?retard=1: only those past their due date (the dashboard's link)."""
    municipality = request.municipality
    today = timezone.localdate()
    late_only = request.GET.get("retard") == "1"
    found = (
        Invoice.objects.for_municipality(municipality)
        .filter(status=Invoice.Status.ISSUED)
        .annotate(left=DUE)
        .filter(left__gt=0)
        .select_related("household")
        .order_by("due_on", "number")
    )
    if late_only:
        found = found.filter(due_on__lt=today)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    invoices = list(page.object_list)
    balances = _balances(municipality, {item.household_id for item in invoices})
    rows = [(item, balances.get(item.household_id, ZERO)) for item in invoices]
    return render(
        request,
        "billing/staff/unpaid.html",
        {"page_obj": page, "rows": rows, "today": today, "late_only": late_only},
    )


@staff_required
def overpaid(request):
    """Trop-perçus: money received beyond an invoice, which the billing office must give back
    (or, once households have an account, keep as a credit)."""
    found = selectors.overpaid_invoices(request.municipality)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/staff/overpaid.html",
        {"page_obj": page, "invoices": page.object_list},
    )


@staff_required
def household_invoices(request, pk: int):
    household = household_get(request.municipality, pk)
    found = (
        Invoice.objects.for_municipality(request.municipality)
        .filter(household=household)
        .order_by("-period_start", "-pk")
    )
    balance = found.filter(status=Invoice.Status.ISSUED).aggregate(
        balance=Coalesce(Sum(DUE), Value(ZERO), output_field=MONEY)
    )["balance"]
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/staff/household_invoices.html",
        {
            "household": household,
            "page_obj": page,
            "invoices": page.object_list,
            "balance": max(balance, ZERO),
        },
    )


# CSV export for the accounting office


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _period(request) -> tuple[date, date]:
    today = timezone.localdate()
    start, end = services.month_bounds(today)
    form = PeriodForm({"du": request.GET.get("du") or start, "au": request.GET.get("au") or end})
    if form.is_valid():
        return form.cleaned_data["du"], form.cleaned_data["au"]
    return start, end


@staff_required
def export(request):
    municipality = request.municipality
    start, end = _period(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="facturation-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Type"),
            _("Numéro"),
            _("Date"),
            _("Régie"),
            _("Foyer"),
            _("Facture"),
            _("Montant"),
            _("Moyen de paiement"),
            _("Référence"),
            _("Échéance"),
        ]
    )
    invoices = (
        Invoice.objects.for_municipality(municipality)
        .filter(status=Invoice.Status.ISSUED, issued_on__gte=start, issued_on__lte=end)
        .select_related("office")
        .order_by("number")
    )
    for item in invoices.iterator(chunk_size=2000):
        writer.writerow(
            [
                _("Facture"),
                safe_cell(item.number),
                _day(item.issued_on),
                safe_cell(item.office.name),
                safe_cell(item.household_name),
                safe_cell(item.number),
                _amount(item.total),
                "",
                "",
                _day(item.due_on),
            ]
        )
    notes = (
        CreditNote.objects.for_municipality(municipality)
        .filter(created_at__date__gte=start, created_at__date__lte=end)
        .select_related("invoice__office")
        .order_by("number")
    )
    for note in notes.iterator(chunk_size=2000):
        writer.writerow(
            [
                _("Avoir"),
                safe_cell(note.number),
                _day(timezone.localtime(note.created_at).date()),
                safe_cell(note.invoice.office.name),
                safe_cell(note.invoice.household_name),
                safe_cell(note.invoice.number),
                _amount(note.amount),
                "",
                safe_cell(note.reason),
                "",
            ]
        )
    payments = (
        Payment.objects.for_municipality(municipality)
        .filter(status=Payment.Status.PAID)
        .filter(
            Q(received_on__gte=start, received_on__lte=end)
            | Q(received_on__isnull=True, created_at__date__gte=start, created_at__date__lte=end)
        )
        .select_related("invoice__office")
        .order_by("received_on", "pk")
    )
    for payment in payments.iterator(chunk_size=2000):
        received = payment.received_on or timezone.localtime(payment.created_at).date()
        writer.writerow(
            [
                _("Paiement"),
                "",
                _day(received),
                safe_cell(payment.invoice.office.name),
                safe_cell(payment.invoice.household_name),
                safe_cell(payment.invoice.number),
                _amount(payment.amount),
                payment.get_method_display(),
                safe_cell(payment.reference or payment.transaction_id),
                "",
            ]
        )
    return response
