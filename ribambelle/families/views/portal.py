"""The families' pages: "Mon foyer", "Mes enfants" and a child's page, with in-place editing
by category (htmx, and plain forms without JavaScript)."""

from dataclasses import asdict
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import parent_required
from ribambelle.families import presenters, selectors
from ribambelle.families.categories import CATEGORIES, Category, Record, categories_for
from ribambelle.families.category_html import folded_category
from ribambelle.families.forms import AuthorizedPersonForm, ConsentsForm, category_form_class
from ribambelle.families.links import with_links
from ribambelle.families.models import Household
from ribambelle.families.services import records
from ribambelle.tenants.shortcuts import tenant_reverse


def _url(request, name: str, **kwargs: object) -> str:
    return tenant_reverse(request.municipality, name, **kwargs)


def _page_of(request, target: str, obj: Record) -> str:
    if target == "child":
        return _url(request, "families:child", pk=obj.pk)
    return _url(request, "families:household")


def _block(request, target: str, obj: Record, spec: Category, pending, **extra) -> dict:
    return presenters.category_block(request.municipality, target, obj, spec, pending, **extra)


@parent_required
def household_page(request):
    household = selectors.household_of(request)
    pending = selectors.pending_changes_of(household)
    guardians = list(selectors.guardians_with_documents(household))
    address = _block(request, "household", household, CATEGORIES["household.address"], pending)
    blocks = [
        {
            "guardian": guardian,
            "blocks": [
                _block(request, "guardian", guardian, category, pending)
                for category in categories_for("guardian")
            ],
        }
        for guardian in guardians
    ]
    return render(
        request,
        "families/portal/household.html",
        {"household": household, "address": address, "guardians": blocks},
    )


@parent_required
def children_page(request):
    household = selectors.household_of(request)
    children = list(selectors.children_with_records(household))
    missing = selectors.missing_by_child(request.municipality, children)
    return render(
        request,
        "families/portal/children.html",
        {"children": [(child, missing[child.pk]) for child in children]},
    )


@parent_required
def child_page(request, pk: int):
    child = selectors.parent_child_get(request.municipality, request.user, pk)
    pending = selectors.pending_changes_of(child)
    missing = with_links(
        request.municipality,
        child,
        selectors.missing_by_child(request.municipality, [child])[child.pk],
    )
    consents = selectors.consents_with_answers_listed(request.municipality, child)
    # The child's answer to each consent (annotation `answer`: True, False or None).
    answered = ((consent.pk, cast(Any, consent).answer) for consent in consents)
    answers = {pk: answer for pk, answer in answered if answer is not None}
    return render(
        request,
        "families/portal/child.html",
        {
            "child": child,
            "missing": missing,
            # Each block drawn in Python (the include's markup: category_html).
            "blocks": [
                {**block, "html": folded_category(block)}
                for block in (
                    _block(request, "child", child, category, pending)
                    for category in categories_for("child")
                )
            ],
            "consents_form": ConsentsForm(consents, answers),
            "people": list(child.authorized_people.all()),
            "documents": list(child.documents.all()),
        },
    )


def _resolve(household: Household, target: str, pk: int, category: str) -> tuple[Record, Category]:
    spec = CATEGORIES.get(category)
    if spec is None or spec.target != target:
        raise Http404
    return selectors.record_get(household, target, pk), spec


@parent_required
def show_category(request, target: str, pk: int, category: str) -> HttpResponse:
    """The category block (htmx cancel of an edit)."""
    household = selectors.household_of(request)
    obj, spec = _resolve(household, target, pk, category)
    if not request.htmx:
        return redirect(_page_of(request, target, obj) + f"#{target}-{obj.pk}")
    context = _block(request, target, obj, spec, selectors.pending_changes_of(household))
    return render(request, "families/portal/_category.html", context)


@parent_required
def edit_category(request, target: str, pk: int, category: str) -> HttpResponse:
    household = selectors.household_of(request)
    obj, spec = _resolve(household, target, pk, category)
    form_class = category_form_class(type(obj), spec)
    if request.method != "POST":
        form = form_class(instance=obj)
    else:
        # Validate against a copy: the record itself is only changed by the service.
        form = form_class(request.POST, instance=selectors.record_copy(obj))
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in spec.fields}
            outcome = records.record_update(
                actor=request.user, target=obj, category=spec, values=values
            )
            return _saved(request, household, target, obj, spec, outcome)
    context = {
        **_block(request, target, obj, spec, selectors.pending_changes_of(household)),
        "form": form,
        "back_url": _page_of(request, target, obj),
    }
    if request.htmx:
        # htmx swaps only successful responses: errors come back with 200 and the form.
        return render(request, "families/portal/_category_form.html", context)
    status = 400 if form.errors else 200
    return render(request, "families/portal/edit_category.html", context, status=status)


def _saved(request, household, target, obj, spec, outcome: records.Outcome) -> HttpResponse:
    confirmation = (
        _("Modification enregistrée.")
        if outcome.applied
        else _(
            "Votre demande de modification est envoyée : elle sera appliquée après "
            "validation par la mairie."
        )
    )
    if not request.htmx:
        messages.success(request, confirmation)
        return redirect(_page_of(request, target, obj) + f"#{target}-{obj.pk}")
    obj.refresh_from_db()
    pending = selectors.pending_changes_of(household)
    context = _block(request, target, obj, spec, pending, confirmation=confirmation)
    return render(request, "families/portal/_category.html", context)


@require_POST
@parent_required
def save_consents(request, pk: int) -> HttpResponse:
    household = selectors.household_of(request)
    child = selectors.child_get(household, pk)
    form = ConsentsForm(selectors.consents_of(request.municipality), {}, request.POST)
    if form.is_valid():
        records.child_consents_save(actor=request.user, child=child, answers=form.answers())
        messages.success(request, _("Vos réponses aux autorisations sont enregistrées."))
    return redirect(_url(request, "families:child", pk=child.pk) + "#autorisations")


@parent_required
def edit_person(request, child_pk: int, pk: int | None = None) -> HttpResponse:
    household = selectors.household_of(request)
    child = selectors.child_get(household, child_pk)
    person = selectors.person_get(child, pk) if pk is not None else None
    initial = asdict(records.PersonValues.of(person)) if person else None
    form = AuthorizedPersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if person is None:
            person = records.authorized_person_create(
                actor=request.user, child=child, values=form.values()
            )
        else:
            records.authorized_person_update(
                actor=request.user, person=person, values=form.values()
            )
        messages.success(
            request,
            _("%(name)s est enregistré·e parmi les personnes autorisées.") % {"name": person},
        )
        return redirect(_url(request, "families:child", pk=child.pk) + "#personnes")
    context = {"child": child, "person": person, "form": form}
    status = 400 if form.errors else 200
    return render(request, "families/portal/person_form.html", context, status=status)


@require_POST
@parent_required
def delete_person(request, child_pk: int, pk: int) -> HttpResponse:
    household = selectors.household_of(request)
    child = selectors.child_get(household, child_pk)
    person = selectors.person_get(child, pk)
    records.authorized_person_delete(actor=request.user, person=person)
    messages.success(request, _("%(name)s est retiré·e de la liste.") % {"name": person})
    return redirect(_url(request, "families:child", pk=child.pk) + "#personnes")


urlpatterns = [
    path("foyer/", household_page, name="household"),
    path("enfants/", children_page, name="children"),
    path("enfants/<int:pk>/", child_page, name="child"),
    path("enfants/<int:pk>/autorisations/", save_consents, name="consents"),
    path("enfants/<int:child_pk>/personnes/ajouter/", edit_person, name="person_add"),
    path("enfants/<int:child_pk>/personnes/<int:pk>/", edit_person, name="person_edit"),
    path("enfants/<int:child_pk>/personnes/<int:pk>/retirer/", delete_person, name="person_delete"),
    path("dossier/<str:target>/<int:pk>/<str:category>/", show_category, name="show"),
    path("dossier/<str:target>/<int:pk>/<str:category>/modifier/", edit_category, name="edit"),
]
