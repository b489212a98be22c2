from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts import services as account_services
from ribambelle.accounts.access import manager_required, staff_required
from ribambelle.accounts.forms import StaffInviteForm
from ribambelle.accounts.selectors import account_counts, staff_of
from ribambelle.backoffice.forms import DepartmentForm, NewsForm
from ribambelle.billing import selectors as billing_selectors
from ribambelle.billing.payments import selectors as payment_selectors
from ribambelle.core.french import elide
from ribambelle.families.selectors import queue as family_queue
from ribambelle.messaging import selectors as messaging_selectors
from ribambelle.tenants import services as tenant_services
from ribambelle.tenants.models import Department
from ribambelle.tenants.selectors import department_get, departments_of
from ribambelle.tenants.shortcuts import tenant_reverse


def _url(request, name, **kwargs):
    return tenant_reverse(request.municipality, name, **kwargs)


@staff_required
def home(request):
    """What waits for staff, each a count linking to its filtered list: a constant number of
    queries whatever the municipality's size."""
    municipality = request.municipality
    unread = messaging_selectors.unread_by_department(municipality)
    return render(
        request,
        "backoffice/home.html",
        {
            "counts": account_counts(municipality),
            "departments": departments_of(municipality),
            "families": family_queue.waiting_counts(municipality),
            "unread": unread,
            "unread_total": sum(department.unread for department in unread),
            "billing": billing_selectors.waiting_counts(municipality, timezone.localdate()),
            "stuck_payments": payment_selectors.stuck_count(municipality, timezone.now()),
        },
    )


@staff_required
def departments(request):
    return render(
        request,
        "backoffice/departments.html",
        {"departments": departments_of(request.municipality)},
    )


@manager_required
def department_create(request):
    return _department_form(request, Department())


@staff_required
def department_edit(request, pk):
    return _department_form(request, department_get(request.municipality, pk))


def _department_form(request, department):
    """Managers edit; agents and read-only staff see the same form, disabled."""
    if request.method == "POST" and not request.user.can_manage:
        raise PermissionDenied
    form = DepartmentForm(request.municipality, request.POST or None, instance=department)
    if not request.user.can_manage:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        tenant_services.department_save(
            municipality=request.municipality,
            actor=request.user,
            department_id=department.pk,
            values=form.cleaned_data,
        )
        messages.success(
            request,
            _("Le service « %(name)s » est enregistré.") % {"name": form.instance.name},
        )
        return redirect(_url(request, "backoffice:departments"))
    return render(
        request,
        "backoffice/department_form.html",
        {"form": form, "department": department},
        status=400 if form.errors else 200,
    )


@staff_required
def staff(request):
    return render(request, "backoffice/staff.html", {"members": staff_of(request.municipality)})


@manager_required
def staff_invite(request):
    form = StaffInviteForm(request.municipality, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.staff_invite(
                municipality=request.municipality, actor=request.user, **form.cleaned_data
            )
        except account_services.AlreadyExists:
            form.add_error("email", StaffInviteForm.duplicate_message())
            return render(request, "backoffice/staff_invite.html", {"form": form}, status=400)
        messages.success(
            request,
            _("Le compte %(de)s%(name)s est créé ; un e-mail l'invite à choisir son mot de passe.")
            % {"de": elide("de", user.get_full_name()), "name": user.get_full_name()},
        )
        return redirect(_url(request, "backoffice:staff"))
    return render(
        request, "backoffice/staff_invite.html", {"form": form}, status=400 if form.errors else 200
    )


@staff_required
def news(request):
    """The news text of the families' home page: managers edit, other staff read it."""
    if request.method == "POST" and not request.user.can_manage:
        raise PermissionDenied
    form = NewsForm(request.POST or None, instance=request.municipality)
    if not request.user.can_manage:
        form.fields["news"].disabled = True
    if request.method == "POST" and form.is_valid():
        tenant_services.municipality_news_save(
            municipality=request.municipality,
            actor=request.user,
            news=form.cleaned_data["news"].strip(),
        )
        messages.success(request, _("L'actualité de l'accueil est enregistrée."))
        return redirect(_url(request, "backoffice:home"))
    return render(
        request, "backoffice/news.html", {"form": form}, status=400 if form.errors else 200
    )
