"""The audit log (managers): every change to family records and settings, staff reads of
health data, imports and invitations, newest first, for the municipality or one household."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from ribambelle.accounts.access import manager_required
from ribambelle.families import presenters, selectors

AUDIT_PAGE_SIZE = 50


@manager_required
def audit_log(request) -> HttpResponse:
    municipality = request.municipality
    household = None
    household_id = request.GET.get("foyer", "")
    if household_id.isdigit():
        household = selectors.household_get(municipality, int(household_id))
    entries = selectors.audit_entries(municipality, household.pk if household else None)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    ids = {entry.household_id for entry in page if entry.household_id}
    names = selectors.household_names(municipality, ids)
    rows = [presenters.audit_row(entry, names) for entry in page]
    context = {"household": household, "page_obj": page, "rows": rows}
    return render(request, "families/staff/audit.html", context)


urlpatterns = [path("journal/", audit_log, name="audit")]
