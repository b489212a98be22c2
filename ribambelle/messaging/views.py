"""Messagerie: families write to a department and follow their threads; staff answer from an
inbox per department. Every object is found through a scoped selector (404 otherwise)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ribambelle.accounts import selectors as account_selectors
from ribambelle.accounts import services as account_services
from ribambelle.accounts.access import parent_required, staff_required, staff_writer_required
from ribambelle.core.files import serve_file
from ribambelle.families.selectors import household_of
from ribambelle.messaging import selectors, services
from ribambelle.messaging.forms import (
    AssignForm,
    InboxFilterForm,
    NewMessageForm,
    PushSubscriptionForm,
    ReplyForm,
)
from ribambelle.messaging.models import Attachment, Conversation
from ribambelle.tenants.shortcuts import tenant_reverse

INBOX_PAGE_SIZE = 25


def _files(request) -> list:
    return request.FILES.getlist("files")


@parent_required
def index(request):
    household = household_of(request)
    return render(
        request,
        "messaging/index.html",
        {
            "departments": list(selectors.departments_of(request.municipality)),
            "conversations": list(selectors.conversations_of(household)),
        },
    )


@parent_required
def new(request, department_pk: int):
    household = household_of(request)
    department = selectors.department_get(request.municipality, department_pk)
    form = NewMessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_start(
                actor=request.user,
                household=household,
                department=department,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                is_html=form.is_html,
                files=_files(request),
            )
        except ValidationError as error:
            form.add_error("body" if error.code == "blank" else "files", error)
        else:
            messages.success(request, _("Votre message a été envoyé."))
            return redirect(
                tenant_reverse(request.municipality, "messaging:conversation", pk=conversation.pk)
            )
    return render(
        request,
        "messaging/new.html",
        {"department": department, "form": form},
        status=400 if form.errors else 200,
    )


@parent_required
def conversation(request, pk: int):
    household = household_of(request)
    thread = selectors.family_conversation_get(household, pk)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_post(
                actor=request.user,
                conversation=thread,
                body=form.cleaned_data["body"],
                is_html=form.is_html,
                from_staff=False,
                files=_files(request),
            )
        except ValidationError as error:
            form.add_error("body" if error.code == "blank" else "files", error)
        else:
            messages.success(request, _("Votre message a été envoyé."))
            return redirect(request.path)
    if request.method != "POST":
        services.conversation_mark_read(conversation=thread, by_staff=False)
    return render(
        request,
        "messaging/conversation.html",
        {"conversation": thread, "form": form},
        status=400 if form.errors else 200,
    )


def _download(attachment: Attachment) -> FileResponse:
    """Always as an attachment of its detected type, never sniffed, never cached."""
    return serve_file(
        attachment.file, content_type=attachment.content_type, filename=attachment.original_name
    )


@parent_required
def attachment(request, pk: int):
    return _download(selectors.family_attachment_get(household_of(request), pk))


@staff_required
def staff_attachment(request, pk: int):
    return _download(selectors.staff_attachment_get(request.municipality, pk))


@staff_required
def inbox(request):
    departments = selectors.departments_of(request.municipality)
    filters = InboxFilterForm(request.GET or None, departments=departments)
    department, status = None, ""
    if filters.is_valid():
        department = filters.cleaned_data["service"]
        status = filters.cleaned_data["etat"]
    page = Paginator(
        selectors.staff_inbox(request.municipality, department=department, status=status),
        INBOX_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "messaging/staff/inbox.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


def _staff_thread_page(
    request, thread: Conversation, *, form=None, assign=None, status: int = 200
) -> HttpResponse:
    context = {
        "conversation": thread,
        "form": form or ReplyForm(),
        "assign": assign
        or AssignForm(
            municipality=request.municipality, initial={"assigned_to": thread.assigned_to_id}
        ),
    }
    return render(request, "messaging/staff/conversation.html", context, status=status)


def _to_thread(request, thread: Conversation) -> HttpResponse:
    return redirect(
        tenant_reverse(request.municipality, "messaging_staff:conversation", pk=thread.pk)
    )


@require_safe
@staff_required
def staff_conversation(request, pk: int) -> HttpResponse:
    thread = selectors.staff_conversation_get(request.municipality, pk)
    services.conversation_mark_read(conversation=thread, by_staff=True)
    return _staff_thread_page(request, thread)


@require_POST
@staff_writer_required
def staff_reply(request, pk: int) -> HttpResponse:
    thread = selectors.staff_conversation_get(request.municipality, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.message_post(
                actor=request.user,
                conversation=thread,
                body=form.cleaned_data["body"],
                is_html=form.is_html,
                from_staff=True,
                files=_files(request),
            )
        except ValidationError as error:
            form.add_error("body" if error.code == "blank" else "files", error)
        else:
            messages.success(request, _("Votre réponse a été envoyée à la famille."))
            return _to_thread(request, thread)
    return _staff_thread_page(request, thread, form=form, status=400)


@require_POST
@staff_writer_required
def staff_assign(request, pk: int) -> HttpResponse:
    thread = selectors.staff_conversation_get(request.municipality, pk)
    assign = AssignForm(request.POST, municipality=request.municipality)
    if not assign.is_valid():
        return _staff_thread_page(request, thread, assign=assign, status=400)
    agent = assign.cleaned_data["assigned_to"]
    services.conversation_assign(actor=request.user, conversation=thread, agent=agent)
    messages.success(request, _("L'attribution est enregistrée."))
    return _to_thread(request, thread)


@require_POST
@staff_writer_required
def staff_close(request, pk: int) -> HttpResponse:
    thread = selectors.staff_conversation_get(request.municipality, pk)
    services.conversation_close(actor=request.user, conversation=thread)
    messages.success(request, _("La conversation est close."))
    return _to_thread(request, thread)


@require_POST
@staff_writer_required
def staff_reopen(request, pk: int) -> HttpResponse:
    thread = selectors.staff_conversation_get(request.municipality, pk)
    services.conversation_reopen(actor=request.user, conversation=thread)
    messages.success(request, _("La conversation est rouverte."))
    return _to_thread(request, thread)


# Notifications on this device (Web Push): the page, and what its script posts.


@require_safe
@parent_required
def notifications(request):
    return render(
        request,
        "messaging/notifications.html",
        {
            "vapid_public_key": settings.VAPID_PUBLIC_KEY,
            "devices": account_selectors.push_subscriptions_of(request.user),
        },
    )


@require_POST
@parent_required
def push_subscribe(request):
    form = PushSubscriptionForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    account_services.push_subscription_save(
        user=request.user,
        user_agent=request.headers.get("User-Agent", ""),
        **form.cleaned_data,
    )
    return HttpResponse(status=204)


@require_POST
@parent_required
def push_unsubscribe(request):
    deleted = account_services.push_subscription_delete(
        user=request.user, endpoint=request.POST.get("endpoint", "")
    )
    return HttpResponse(status=204 if deleted else 404)
