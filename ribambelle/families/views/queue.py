"""The staff queue: families' requests on records under validation, and sign-ups. Accepting and
refusing are two buttons of one form, each posting to its own URL (`formaction`)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import staff_view
from ribambelle.families import presenters, selectors
from ribambelle.families.forms_staff import DecisionForm
from ribambelle.families.selectors import queue as queue_selectors
from ribambelle.families.services import staff as services
from ribambelle.tenants.shortcuts import tenant_reverse

# The form that failed validation, shown again with its errors: (kind, pk, form).
Failed = tuple[str, int, DecisionForm]


def _queue_page(request, failed: Failed | None = None, status: int = 200) -> HttpResponse:
    municipality = request.municipality
    changes = list(queue_selectors.open_changes(municipality))
    targets = queue_selectors.change_targets(changes)

    def form_for(kind: str, pk: int) -> DecisionForm:
        if failed is not None and failed[:2] == (kind, pk):
            return failed[2]
        return DecisionForm(prefix_pk=f"{kind}{pk}")

    items = [
        presenters.change_item(
            change,
            target=targets.get((change.target_type, change.target_id)),
            form=form_for("change", change.pk),
        )
        for change in changes
    ]
    signups = [
        {"household": household, "form": form_for("signup", household.pk)}
        for household in queue_selectors.pending_signups(municipality)
    ]
    context = {"items": items, "signups": signups}
    return render(request, "families/staff/queue.html", context, status=status)


def _to_queue(request) -> HttpResponse:
    return redirect(tenant_reverse(request.municipality, "families_staff:queue"))


@staff_view
def queue(request) -> HttpResponse:
    return _queue_page(request)


@require_POST
@staff_view
def change_accept(request, pk: int) -> HttpResponse:
    change = queue_selectors.open_change_get(request.municipality, pk)
    form = DecisionForm(request.POST, prefix_pk=f"change{pk}")
    if not form.is_valid():
        return _queue_page(request, failed=("change", pk, form), status=400)
    message = form.cleaned_data["message"]
    try:
        services.change_accept(actor=request.user, change=change, message=message)
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
            _("Demande acceptée : le dossier est à jour et la famille est prévenue par e-mail."),
        )
    return _to_queue(request)


@require_POST
@staff_view
def change_refuse(request, pk: int) -> HttpResponse:
    change = queue_selectors.open_change_get(request.municipality, pk)
    form = DecisionForm(request.POST, prefix_pk=f"change{pk}", refusal=True)
    if not form.is_valid():
        return _queue_page(request, failed=("change", pk, form), status=400)
    message = form.cleaned_data["message"]
    try:
        services.change_refuse(actor=request.user, change=change, message=message)
    except services.AlreadyDecided:
        messages.info(request, _("Cette demande a déjà été traitée."))
    else:
        messages.success(request, _("Demande refusée : la famille est prévenue par e-mail."))
    return _to_queue(request)


@require_POST
@staff_view
def signup_accept(request, pk: int) -> HttpResponse:
    household = selectors.household_get(request.municipality, pk)
    form = DecisionForm(request.POST, prefix_pk=f"signup{pk}")
    if not form.is_valid():
        return _queue_page(request, failed=("signup", pk, form), status=400)
    try:
        services.signup_accept(actor=request.user, household=household)
    except services.AlreadyDecided:
        messages.info(request, _("Cette inscription a déjà été traitée."))
    else:
        messages.success(
            request,
            _(
                "Inscription du foyer %(name)s acceptée : chaque responsable reçoit un e-mail "
                "pour créer son mot de passe."
            )
            % {"name": household.name},
        )
    return _to_queue(request)


@require_POST
@staff_view
def signup_refuse(request, pk: int) -> HttpResponse:
    household = selectors.household_get(request.municipality, pk)
    form = DecisionForm(request.POST, prefix_pk=f"signup{pk}", refusal=True)
    if not form.is_valid():
        return _queue_page(request, failed=("signup", pk, form), status=400)
    message = form.cleaned_data["message"]
    try:
        services.signup_refuse(actor=request.user, household=household, message=message)
    except services.AlreadyDecided:
        messages.info(request, _("Cette inscription a déjà été traitée."))
    else:
        messages.success(
            request,
            _("Inscription du foyer %(name)s refusée : la famille est prévenue par e-mail.")
            % {"name": household.name},
        )
    return _to_queue(request)


urlpatterns = [
    path("demandes/", queue, name="queue"),
    path("demandes/<int:pk>/accepter/", change_accept, name="change_accept"),
    path("demandes/<int:pk>/refuser/", change_refuse, name="change_refuse"),
    path("demandes/inscriptions/<int:pk>/accepter/", signup_accept, name="signup_accept"),
    path("demandes/inscriptions/<int:pk>/refuser/", signup_refuse, name="signup_refuse"),
]
