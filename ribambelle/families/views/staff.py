"""The staff side of family records: household search and page (edited in place by category,
like the families' pages), the queue of requests and sign-ups, the audit log and the settings.

Read-only staff see everything but never write: any POST answers 403."""

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import manager_required, staff_view
from ribambelle.families import selectors
from ribambelle.families.categories import CATEGORIES, Category, categories_for
from ribambelle.families.display import display
from ribambelle.families.forms import category_form_class
from ribambelle.families.forms_staff import (
    ConsentForm,
    DecisionForm,
    FamilySettingsForm,
    RequirementForm,
    SearchForm,
)
from ribambelle.families.models import (
    Child,
    Consent,
    FamilyDocument,
    Guardian,
    Household,
    PendingChange,
    Requirement,
)
from ribambelle.families.services import records
from ribambelle.families.services import staff as services
from ribambelle.families.views.portal import category_block
from ribambelle.tenants.shortcuts import tenant_reverse

MODELS = {"household": Household, "guardian": Guardian, "child": Child}
STAFF_CATEGORIES: dict[str, Category] = {**CATEGORIES, services.QUOTIENT.code: services.QUOTIENT}
SEARCH_PAGE_SIZE = 20
AUDIT_PAGE_SIZE = 50


def _url(request, name, **kwargs) -> str:
    return tenant_reverse(request.municipality, name, **kwargs)


def _household_url(request, household_id: int, anchor: str = "") -> str:
    url = _url(request, "families_staff:household", pk=household_id)
    return f"{url}#{anchor}" if anchor else url


def _block(request, target: str, obj, category: Category, pending: dict, **extra) -> dict:
    kwargs = {"target": target, "pk": obj.pk, "category": category.code}
    return category_block(
        request,
        target,
        obj,
        category,
        pending,
        edit_url=_url(request, "families_staff:edit", **kwargs),
        show_url=_url(request, "families_staff:show", **kwargs),
        folded=False,
        **extra,
    )


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _diff_rows(model, before: dict, after: dict) -> list[dict]:
    rows = []
    for name in dict.fromkeys([*before, *after]):
        field = _field(model, name) if model else None
        label = field.verbose_name if field is not None else name
        rows.append(
            {
                "label": label,
                "before": display(field, before.get(name)),
                "after": display(field, after.get(name)),
            }
        )
    return rows


# Search


@staff_view
def search(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    paginator = Paginator(
        selectors.households_matching(request.municipality, query), SEARCH_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "families/staff/search.html",
        {"form": form, "query": query, "page_obj": page, "households": list(page)},
    )


# Household page and in-place editing


def _documents_by_owner(household: Household) -> dict:
    """The household's documents, all of them ("all", each with its child or guardian loaded)
    and per person."""
    owners: dict = {"all": [], "guardian": {}, "child": {}}
    for document in (
        FamilyDocument.objects.filter(household=household)
        .select_related("child", "guardian")
        .only(*selectors.DOCUMENT_LIST_FIELDS, *selectors.DOCUMENT_OWNER_FIELDS)
    ):
        owners["all"].append(document)
        if document.child_id:
            owners["child"].setdefault(document.child_id, []).append(document)
        elif document.guardian_id:
            owners["guardian"].setdefault(document.guardian_id, []).append(document)
    return owners


@staff_view
def household_page(request, pk: int):
    municipality = request.municipality
    household = selectors.household_get(municipality, pk)
    pending = selectors.pending_changes_of(household)
    guardians = list(selectors.guardians_of(household).select_related("user"))
    children = list(selectors.children_with_records(household))
    missing = selectors.missing_by_child(municipality, children)
    consents = list(selectors.consents_of(municipality))
    documents = _documents_by_owner(household)
    household_blocks = [
        _block(request, "household", household, category, pending)
        for category in [CATEGORIES["household.address"], services.QUOTIENT]
    ]
    guardian_entries = [
        {
            "guardian": guardian,
            "blocks": [
                _block(request, "guardian", guardian, category, pending)
                for category in categories_for("guardian")
            ],
            "documents": documents["guardian"].get(guardian.pk, []),
        }
        for guardian in guardians
    ]
    child_entries = []
    for child in children:
        answers = {answer.consent_id: answer.granted for answer in child.consents.all()}
        child_entries.append(
            {
                "child": child,
                "missing": missing[child.pk],
                "blocks": [
                    _block(request, "child", child, category, pending)
                    for category in categories_for("child")
                ],
                "consents": [(consent, answers.get(consent.pk)) for consent in consents],
                "people": list(child.authorized_people.all()),
                "documents": documents["child"].get(child.pk, []),
            }
        )
    # The page shows every child's medical information: each reading is logged.
    services.health_reads_record(actor=request.user, children=children)
    open_changes = sorted(pending.values(), key=lambda change: (change.submitted_at, change.pk))
    return render(
        request,
        "families/staff/household.html",
        {
            "household": household,
            "household_blocks": household_blocks,
            "guardians": guardian_entries,
            "children": child_entries,
            "household_documents": documents["all"],
            "open_changes": [
                {
                    "change": change,
                    "category": STAFF_CATEGORIES.get(change.category),
                    "rows": _diff_rows(MODELS.get(change.target_type), change.before, change.after),
                }
                for change in open_changes
            ],
        },
    )


def _resolve(request, target: str, pk: int, category: str):
    spec = STAFF_CATEGORIES.get(category)
    if spec is None or spec.target != target:
        raise Http404
    obj = get_object_or_404(MODELS[target].objects.for_municipality(request.municipality), pk=pk)
    household = obj if target == "household" else obj.household
    return obj, spec, household


def _anchor(target: str, obj) -> str:
    return f"{target}-{obj.pk}"


@staff_view
def show_category(request, target: str, pk: int, category: str):
    """One category block (htmx cancel of an edit)."""
    obj, spec, household = _resolve(request, target, pk, category)
    if not request.htmx:
        return redirect(_household_url(request, household.pk, _anchor(target, obj)))
    if spec.health:
        services.health_reads_record(actor=request.user, children=[obj])
    return render(
        request,
        "families/portal/_category.html",
        _block(request, target, obj, spec, selectors.pending_changes_of(household)),
    )


@staff_view
def edit_category(request, target: str, pk: int, category: str):
    """Staff edits apply at once (records.record_update applies a staff actor's change)."""
    if not request.user.can_write:
        raise PermissionDenied
    obj, spec, household = _resolve(request, target, pk, category)
    form_class = category_form_class(MODELS[target], spec)
    back_url = _household_url(request, household.pk, _anchor(target, obj))
    if request.method != "POST":
        form = form_class(instance=obj)
        if spec.health:
            services.health_reads_record(actor=request.user, children=[obj])
    else:
        # Validate against a copy: the record itself is only changed by the service.
        form = form_class(request.POST, instance=MODELS[target].objects.get(pk=obj.pk))
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in spec.fields}
            records.record_update(actor=request.user, target=obj, category=spec, values=values)
            confirmation = _("Modification enregistrée.")
            if request.htmx:
                obj.refresh_from_db()
                return render(
                    request,
                    "families/portal/_category.html",
                    _block(
                        request,
                        target,
                        obj,
                        spec,
                        selectors.pending_changes_of(household),
                        confirmation=confirmation,
                    ),
                )
            messages.success(request, confirmation)
            return redirect(back_url)
    context = {
        **_block(request, target, obj, spec, selectors.pending_changes_of(household)),
        "form": form,
        "back_url": back_url,
        "household": household,
    }
    if request.htmx:
        # htmx swaps only successful responses: errors come back with 200 and the form.
        return render(request, "families/portal/_category_form.html", context)
    status = 400 if form.errors else 200
    return render(request, "families/staff/edit_category.html", context, status=status)


# Queue of requests and sign-ups


def _targets_of(changes: list[PendingChange]) -> dict:
    """The records the requests are about: one query per kind of record."""
    wanted: dict[str, set[int]] = {}
    for change in changes:
        wanted.setdefault(change.target_type, set()).add(change.target_id)
    targets = {}
    for target_type, ids in wanted.items():
        model = MODELS.get(target_type)
        if model is None:
            continue
        for obj in model.objects.filter(pk__in=ids):
            targets[(target_type, obj.pk)] = obj
    return targets


def _queue_page(request, failed: tuple[str, int, DecisionForm] | None = None, status=200):
    municipality = request.municipality
    changes = list(selectors.open_changes(municipality))
    targets = _targets_of(changes)

    def form_for(kind: str, pk: int) -> DecisionForm:
        if failed is not None and failed[:2] == (kind, pk):
            return failed[2]
        return DecisionForm(prefix_pk=f"{kind}{pk}")

    items = [
        {
            "change": change,
            "target": targets.get((change.target_type, change.target_id)),
            "category": STAFF_CATEGORIES.get(change.category),
            "rows": _diff_rows(MODELS.get(change.target_type), change.before, change.after),
            "form": form_for("change", change.pk),
        }
        for change in changes
    ]
    signups = [
        {"household": household, "form": form_for("signup", household.pk)}
        for household in selectors.pending_signups(municipality)
    ]
    return render(
        request,
        "families/staff/queue.html",
        {"items": items, "signups": signups},
        status=status,
    )


@staff_view
def queue(request):
    return _queue_page(request)


@require_POST
@staff_view
def change_decide(request, pk: int):
    change = selectors.open_change_get(request.municipality, pk)
    form = DecisionForm(request.POST, prefix_pk=f"change{pk}")
    if not form.is_valid():
        return _queue_page(request, failed=("change", pk, form), status=400)
    try:
        services.change_decide(
            actor=request.user,
            change=change,
            accept=form.accepted,
            message=form.cleaned_data["message"].strip(),
        )
    except services.AlreadyDecided:
        messages.info(request, _("Cette demande a déjà été traitée."))
    except ValidationError as error:
        messages.error(
            request,
            _("La modification n'a pas pu être appliquée : %(reason)s")
            % {"reason": " ".join(error.messages)},
        )
    else:
        messages.success(
            request,
            _("Demande acceptée : le dossier est à jour et la famille est prévenue par e-mail.")
            if form.accepted
            else _("Demande refusée : la famille est prévenue par e-mail."),
        )
    return redirect(_url(request, "families_staff:queue"))


@require_POST
@staff_view
def signup_decide(request, pk: int):
    household = selectors.household_get(request.municipality, pk)
    form = DecisionForm(request.POST, prefix_pk=f"signup{pk}")
    if not form.is_valid():
        return _queue_page(request, failed=("signup", pk, form), status=400)
    try:
        if form.accepted:
            services.signup_accept(actor=request.user, household=household)
        else:
            services.signup_refuse(
                actor=request.user,
                household=household,
                message=form.cleaned_data["message"].strip(),
            )
    except services.AlreadyDecided:
        messages.info(request, _("Cette inscription a déjà été traitée."))
    else:
        messages.success(
            request,
            _(
                "Inscription du foyer %(name)s acceptée : chaque responsable reçoit un e-mail "
                "pour créer son mot de passe."
            )
            % {"name": household.name}
            if form.accepted
            else _("Inscription du foyer %(name)s refusée : la famille est prévenue par e-mail.")
            % {"name": household.name},
        )
    return redirect(_url(request, "families_staff:queue"))


# Audit log (managers)


@manager_required
def audit_log(request):
    municipality = request.municipality
    household = None
    household_id = request.GET.get("foyer", "")
    if household_id.isdigit():
        household = selectors.household_get(municipality, int(household_id))
    entries = selectors.audit_entries(municipality, household.pk if household else None)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(
        Household.objects.for_municipality(municipality)
        .filter(pk__in={entry.household_id for entry in page if entry.household_id})
        .values_list("pk", "name")
    )
    rows = []
    for entry in page:
        try:
            model = apps.get_model(entry.target_type)
        except (LookupError, ValueError):
            model = None
        rows.append(
            {
                "entry": entry,
                "household_name": names.get(entry.household_id, ""),
                "changes": _diff_rows(model, entry.before, entry.after),
            }
        )
    return render(
        request,
        "families/staff/audit.html",
        {"household": household, "page_obj": page, "rows": rows},
    )


# Settings (managers)


def _settings_page(
    request, settings_form=None, consent_form=None, requirement_form=None, status=200
):
    municipality = request.municipality
    current = services.family_settings_of(municipality)
    return render(
        request,
        "families/staff/settings.html",
        {
            "settings_form": settings_form
            or FamilySettingsForm(
                initial={
                    "signup_enabled": current.signup_enabled,
                    "validated_categories": current.validated_categories,
                }
            ),
            "consent_form": consent_form or ConsentForm(),
            "requirement_form": requirement_form or RequirementForm(municipality),
            "consents": list(selectors.consents_of(municipality)),
            "requirements": list(
                Requirement.objects.for_municipality(municipality)
                .select_related("department", "consent")
                .order_by("department__name", "item", "pk")
            ),
        },
        status=status,
    )


@manager_required
def family_settings(request):
    if request.method != "POST":
        return _settings_page(request)
    form = FamilySettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, settings_form=form, status=400)
    services.family_settings_save(
        municipality=request.municipality,
        signup_enabled=form.cleaned_data["signup_enabled"],
        validated=form.cleaned_data["validated_categories"],
    )
    messages.success(request, _("Les réglages des dossiers familles sont enregistrés."))
    return redirect(_url(request, "families_staff:settings"))


def _consent_get(request, pk: int) -> Consent:
    return get_object_or_404(Consent.objects.for_municipality(request.municipality), pk=pk)


@require_POST
@manager_required
def consent_add(request):
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, consent_form=form, status=400)
    consent = services.consent_save(municipality=request.municipality, consent=form.instance)
    messages.success(request, _("L'autorisation « %(label)s » est ajoutée.") % {"label": consent})
    return redirect(_url(request, "families_staff:settings") + "#autorisations")


@manager_required
def consent_edit(request, pk: int):
    consent = _consent_get(request, pk)
    title = consent.label  # the form writes the typed label into the instance
    form = ConsentForm(request.POST or None, instance=consent)
    if request.method == "POST" and form.is_valid():
        services.consent_save(municipality=request.municipality, consent=form.instance)
        messages.success(
            request, _("L'autorisation « %(label)s » est enregistrée.") % {"label": consent}
        )
        return redirect(_url(request, "families_staff:settings") + "#autorisations")
    return render(
        request,
        "families/staff/consent_form.html",
        {"form": form, "consent": consent, "title": title},
        status=400 if form.errors else 200,
    )


@require_POST
@manager_required
def consent_move(request, pk: int):
    consent = _consent_get(request, pk)
    step = -1 if request.POST.get("direction") == "up" else 1
    services.consent_move(municipality=request.municipality, consent=consent, step=step)
    return redirect(_url(request, "families_staff:settings") + "#autorisations")


@require_POST
@manager_required
def consent_delete(request, pk: int):
    consent = _consent_get(request, pk)
    services.consent_delete(municipality=request.municipality, consent=consent)
    messages.success(request, _("L'autorisation « %(label)s » est supprimée.") % {"label": consent})
    return redirect(_url(request, "families_staff:settings") + "#autorisations")


@require_POST
@manager_required
def requirement_add(request):
    form = RequirementForm(request.municipality, request.POST)
    if not form.is_valid():
        return _settings_page(request, requirement_form=form, status=400)
    services.requirement_add(municipality=request.municipality, **form.cleaned_data)
    messages.success(request, _("La pièce obligatoire est ajoutée."))
    return redirect(_url(request, "families_staff:settings") + "#pieces")


@require_POST
@manager_required
def requirement_delete(request, pk: int):
    requirement = get_object_or_404(
        Requirement.objects.for_municipality(request.municipality), pk=pk
    )
    services.requirement_delete(municipality=request.municipality, requirement=requirement)
    messages.success(request, _("La pièce obligatoire est retirée."))
    return redirect(_url(request, "families_staff:settings") + "#pieces")


urlpatterns = [
    path("familles/", search, name="search"),
    path("familles/<int:pk>/", household_page, name="household"),
    path("familles/dossier/<str:target>/<int:pk>/<str:category>/", show_category, name="show"),
    path(
        "familles/dossier/<str:target>/<int:pk>/<str:category>/modifier/",
        edit_category,
        name="edit",
    ),
    path("demandes/", queue, name="queue"),
    path("demandes/<int:pk>/decision/", change_decide, name="change_decide"),
    path("demandes/inscriptions/<int:pk>/decision/", signup_decide, name="signup_decide"),
    path("journal/", audit_log, name="audit"),
    path("reglages-familles/", family_settings, name="settings"),
    path("reglages-familles/autorisations/ajouter/", consent_add, name="consent_add"),
    path("reglages-familles/autorisations/<int:pk>/", consent_edit, name="consent_edit"),
    path("reglages-familles/autorisations/<int:pk>/deplacer/", consent_move, name="consent_move"),
    path(
        "reglages-familles/autorisations/<int:pk>/supprimer/",
        consent_delete,
        name="consent_delete",
    ),
    path("reglages-familles/pieces/ajouter/", requirement_add, name="requirement_add"),
    path(
        "reglages-familles/pieces/<int:pk>/supprimer/",
        requirement_delete,
        name="requirement_delete",
    ),
]
