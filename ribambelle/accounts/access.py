"""Access helpers for views under /<slug>/: anonymous -> login page, an account of another
municipality -> 404 (it learns nothing about this one), the wrong role -> 403."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from ribambelle.accounts.models import Role


def _check_tenant(request):
    municipality = request.municipality
    if municipality is None:
        raise Http404
    if not request.user.is_authenticated:
        login = reverse("accounts:login", kwargs={"municipality_slug": municipality.slug})
        return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
    if request.user.municipality_id != municipality.pk:
        raise Http404
    return None


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = _check_tenant(request)
            if response is not None:
                return response
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


parent_required = role_required(Role.PARENT)
staff_required = role_required(Role.MANAGER, Role.AGENT, Role.READ_ONLY)
manager_required = role_required(Role.MANAGER)
member_required = role_required(Role.PARENT, Role.MANAGER, Role.AGENT, Role.READ_ONLY)
# Staff who may change things (read-only staff may only look).
staff_writer_required = role_required(Role.MANAGER, Role.AGENT)


def staff_view(view):
    """Any member of the municipality's staff may look; only managers and agents may write."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not request.user.can_write:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
