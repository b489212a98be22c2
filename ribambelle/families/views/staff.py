"""The staff side of family records: household search and page, edited in place by category
like the families' pages. Read-only staff see everything but never write: a POST answers 403.
The queue of requests, the audit log and the settings have their own modules."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from ribambelle.accounts.access import staff_view
from ribambelle.families import presenters, selectors
from ribambelle.families.categories import STAFF_CATEGORIES, Category, Record
from ribambelle.families.forms import category_form_class
from ribambelle.families.forms_staff import SearchForm
from ribambelle.families.models import Child, Household
from ribambelle.families.services import records
from ribambelle.families.services.staff import health_reads_record
from ribambelle.tenants.shortcuts import tenant_reverse

SEARCH_PAGE_SIZE = 20


@staff_view
def search(request) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    households = selectors.households_matching(request.municipality, query)
    page = Paginator(households, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "families/staff/search.html",
        {"form": form, "query": query, "page_obj": page, "households": list(page)},
    )


@staff_view
def household_page(request, pk: int) -> HttpResponse:
    household = selectors.household_get(request.municipality, pk)
    household_records = selectors.household_records(request.municipality, household)
    # The page shows every child's medical information: each reading is logged.
    health_reads_record(actor=request.user, children=household_records.children)
    context = presenters.staff_household(request.municipality, household_records)
    return render(request, "families/staff/household.html", context)


def _resolve(request, target: str, pk: int, category: str) -> tuple[Record, Category, Household]:
    spec = STAFF_CATEGORIES.get(category)
    if spec is None or spec.target != target:
        raise Http404
    obj = selectors.staff_record_get(request.municipality, target, pk)
    household = obj if isinstance(obj, Household) else obj.household
    return obj, spec, household


def _block(request, target: str, obj: Record, spec: Category, household: Household, **extra):
    pending = selectors.pending_changes_of(household)
    return presenters.category_block(
        request.municipality, target, obj, spec, pending, staff=True, **extra
    )


def _household_url(request, household: Household, target: str, obj: Record) -> str:
    url = tenant_reverse(request.municipality, "families_staff:household", pk=household.pk)
    return f"{url}#{target}-{obj.pk}"


@staff_view
def show_category(request, target: str, pk: int, category: str) -> HttpResponse:
    """One category block (htmx cancel of an edit)."""
    obj, spec, household = _resolve(request, target, pk, category)
    if not request.htmx:
        return redirect(_household_url(request, household, target, obj))
    if spec.health and isinstance(obj, Child):
        health_reads_record(actor=request.user, children=[obj])
    context = _block(request, target, obj, spec, household)
    return render(request, "families/portal/_category.html", context)


@staff_view
def edit_category(request, target: str, pk: int, category: str) -> HttpResponse:
    """Staff edits apply at once (records.record_update applies a staff actor's change)."""
    if not request.user.can_write:
        raise PermissionDenied
    obj, spec, household = _resolve(request, target, pk, category)
    form_class = category_form_class(type(obj), spec)
    back_url = _household_url(request, household, target, obj)
    if request.method != "POST":
        form = form_class(instance=obj)
        if spec.health and isinstance(obj, Child):
            health_reads_record(actor=request.user, children=[obj])
    else:
        # Validate against a copy: the record itself is only changed by the service.
        form = form_class(request.POST, instance=selectors.record_copy(obj))
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in spec.fields}
            records.record_update(actor=request.user, target=obj, category=spec, values=values)
            return _saved(request, target, obj, spec, household, back_url)
    context = {
        **_block(request, target, obj, spec, household),
        "form": form,
        "back_url": back_url,
        "household": household,
    }
    return _form_response(request, context, form)


def _saved(request, target, obj, spec, household, back_url: str) -> HttpResponse:
    confirmation = _("Modification enregistrée.")
    if not request.htmx:
        messages.success(request, confirmation)
        return redirect(back_url)
    obj.refresh_from_db()
    context = _block(request, target, obj, spec, household, confirmation=confirmation)
    return render(request, "families/portal/_category.html", context)


def _form_response(request, context: dict, form) -> HttpResponse:
    if request.htmx:
        # htmx swaps only successful responses: errors come back with 200 and the form.
        return render(request, "families/portal/_category_form.html", context)
    status = 400 if form.errors else 200
    return render(request, "families/staff/edit_category.html", context, status=status)


urlpatterns = [
    path("familles/", search, name="search"),
    path("familles/<int:pk>/", household_page, name="household"),
    path("familles/dossier/<str:target>/<int:pk>/<str:category>/", show_category, name="show"),
    path(
        "familles/dossier/<str:target>/<int:pk>/<str:category>/modifier/",
        edit_category,
        name="edit",
    ),
]
