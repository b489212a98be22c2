"""Access helpers for views under /<slug>/: anonymous -> login page, an account of another
municipality -> 404 (it learns nothing about this one), the wrong role -> 403.

Every role decorator goes through `_check_tenant`, so the way an anonymous request is sent to
the login page is decided once for every view: a plain page comes back to itself after login;
an htmx request (a ticked cell, a partial form) and a form post come back to the page the user
was on, never to the POST-only or partial URL they called (that ended on a 405 or on a bare
fragment). htmx follows 3xx answers inside its XMLHttpRequest and would swap the whole login
page into the fragment's target, so it gets an HX-Redirect (status 200) instead."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from ribambelle.accounts.models import Role, User

SAFE_METHODS = ("GET", "HEAD")
# Pages that make no sense to come back to after logging in.
NOT_A_RETURN_PAGE = {"accounts:login", "accounts:logout"}


def safe_next(request, candidate: str | None) -> str | None:
    """`candidate` as a local path (with its query) when it is a page of this municipality on
    this site, else None: no other host or scheme (open redirect), no other municipality (even
    through `..` or its encoded forms), no URL that resolves to nothing, no login page."""
    municipality = request.municipality
    if municipality is None or not candidate:
        return None
    if any(ord(char) < 32 or char == "\\" for char in candidate):
        return None
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(candidate)
    path = parts.path
    decoded = unquote(path)
    if not decoded.startswith(f"/{municipality.slug}/") or "//" in decoded:
        return None
    if any(segment in (".", "..") for segment in decoded.split("/")):
        return None
    try:
        match = resolve(decoded)
    except Resolver404:
        return None
    if match.kwargs.get("municipality_slug") != municipality.slug:
        return None
    if match.view_name in NOT_A_RETURN_PAGE or not _answers_get(match.func):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def _answers_get(view) -> bool:
    """False for a view behind Django's require_POST (or any require_http_methods without
    GET): a GET there is a 405. Read from the decorator's own closure along the __wrapped__
    chain; tests/test_login_return.py fails if Django ever stops exposing it this way."""
    while view is not None:
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]
            if "GET" not in cell.cell_contents:
                return False
        view = getattr(view, "__wrapped__", None)
    return True


def returns_to(page: Callable[..., str | None]):
    """Declares, for a view that only takes posts, the page an anonymous poster comes back to
    after logging in (e.g. the grid's week for its save URL). `page(request)` may return None."""

    def decorator(view):
        view.return_page = page
        return view

    return decorator


def return_page(request, view=None) -> str | None:
    """The page to come back to after logging in, or None for the user's home page."""
    if request.htmx:
        candidates = [request.htmx.current_url]
    elif request.method in SAFE_METHODS:
        return safe_next(request, request.get_full_path())
    else:
        candidates = []
    declared = getattr(view, "return_page", None)
    if declared is not None:
        candidates.append(declared(request))
    candidates.append(request.headers.get("Referer"))
    for candidate in candidates:
        found = safe_next(request, candidate)
        if found is not None:
            return found
    return None


def login_redirect(request, view=None):
    """Send an anonymous request to the login page, in the way its caller can follow."""
    login = reverse("accounts:login", kwargs={"municipality_slug": request.municipality.slug})
    target = return_page(request, view)
    url = f"{login}?{urlencode({'next': target})}" if target else login
    if request.htmx or request.method not in SAFE_METHODS:
        if request.method in SAFE_METHODS:
            text = _("Votre session a expiré : connectez-vous pour continuer.")
        else:
            text = _(
                "Votre session a expiré : connectez-vous pour continuer. "
                "Votre dernière demande n'a pas été enregistrée."
            )
        messages.warning(request, text)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _check_tenant(request, view=None):
    municipality = request.municipality
    if municipality is None:
        raise Http404
    if not request.user.is_authenticated:
        return login_redirect(request, view)
    if request.user.municipality_id != municipality.pk:
        raise Http404
    return None


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = _check_tenant(request, view)
            if response is not None:
                return response
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def page_allows(user: User, path: str) -> bool:
    """Whether `user`'s role may open the page at `path` (a path that safe_next accepted):
    after logging in, a staff member sent back to a parents' page would meet a 403."""
    view: Any
    try:
        view = resolve(unquote(urlsplit(path).path)).func
    except Resolver404:
        return False
    while view is not None:
        roles = getattr(view, "allowed_roles", None)
        if roles is not None:
            return user.role in roles
        view = getattr(view, "__wrapped__", None)
    return True


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
