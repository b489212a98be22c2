"""Staff pages of the reminders for unpaid invoices: a billing office's levels (managers), the
invoices at each level, the pause of a household's reminders (payment plan)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import manager_required, staff_required, staff_writer_required
from ribambelle.billing import selectors as billing_selectors
from ribambelle.billing.models import BillingOffice
from ribambelle.billing.reminders import selectors, services
from ribambelle.billing.reminders.forms import LevelForm, PauseForm
from ribambelle.billing.reminders.models import ReminderLevel
from ribambelle.families.selectors import household_get
from ribambelle.tenants.shortcuts import tenant_reverse

PAGE_SIZE = 50


def _levels_url(request, office: BillingOffice) -> str:
    return tenant_reverse(
        request.municipality, "billing_staff:reminder_levels", office_pk=office.pk
    )


@manager_required
def levels(request, office_pk: int):
    """The office's levels, and the form that adds one."""
    office = billing_selectors.office_get(request.municipality, office_pk)
    return _level_form(
        request, office, ReminderLevel(municipality=request.municipality, office=office)
    )


@manager_required
def level_edit(request, office_pk: int, pk: int):
    office = billing_selectors.office_get(request.municipality, office_pk)
    return _level_form(request, office, selectors.level_get(office, pk))


def _level_form(request, office: BillingOffice, level: ReminderLevel) -> HttpResponse:
    form = LevelForm(request.POST or None, instance=level)
    if request.method == "POST" and form.is_valid():
        services.reminder_level_save(
            municipality=request.municipality,
            actor=request.user,
            office=office,
            level=level if level.pk else None,
            values=form.values(),
        )
        messages.success(request, _("Le niveau de relance est enregistré."))
        return redirect(_levels_url(request, office))
    context = {
        "office": office,
        "level": level,
        "form": form,
        "levels": selectors.levels_of(office),
    }
    return render(
        request, "billing/staff/reminder_levels.html", context, status=400 if form.errors else 200
    )


@manager_required
@require_POST
def level_delete(request, office_pk: int, pk: int):
    office = billing_selectors.office_get(request.municipality, office_pk)
    level = selectors.level_get(office, pk)
    try:
        services.reminder_level_delete(
            municipality=request.municipality, actor=request.user, level=level
        )
    except services.ReminderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Le niveau de relance est supprimé."))
    return redirect(_levels_url(request, office))


@staff_required
def reminders(request):
    """?niveau=ID: the invoices that reached one level."""
    all_levels = list(selectors.municipality_levels(request.municipality))
    chosen = next((item for item in all_levels if str(item.pk) == request.GET.get("niveau")), None)
    found = selectors.reminders_sent(request.municipality, chosen)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"levels": all_levels, "chosen": chosen, "page_obj": page, "rows": page.object_list}
    return render(request, "billing/staff/reminders.html", context)


@staff_writer_required
@require_POST
def household_pause(request, pk: int):
    household = household_get(request.municipality, pk)
    form = PauseForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    services.household_reminders_pause(
        municipality=request.municipality, actor=request.user, household=household, reason=reason
    )
    messages.success(request, _("Les relances de ce foyer sont suspendues."))
    return redirect(tenant_reverse(request.municipality, "billing_staff:household_invoices", pk=pk))


@staff_writer_required
@require_POST
def household_resume(request, pk: int):
    household = household_get(request.municipality, pk)
    services.household_reminders_resume(
        municipality=request.municipality, actor=request.user, household=household
    )
    messages.success(request, _("Les relances de ce foyer reprennent."))
    return redirect(tenant_reverse(request.municipality, "billing_staff:household_invoices", pk=pk))
