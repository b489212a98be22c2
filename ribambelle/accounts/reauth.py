"""Sensitive actions (the password, the e-mail, later the bank details) ask for the password
again when this browser's last login, or last confirmation, is older than REAUTH_SECONDS: a
device that stays signed in for 30 days must not let whoever picks it up change them.

The time is kept in the session, per browser: a login on another device says nothing about
who holds this one."""

import time
from collections.abc import Callable
from functools import wraps

from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from ribambelle.accounts.forms import ReauthForm

AUTHENTICATED_AT_KEY = "_authenticated_at"
REAUTH_SECONDS = 15 * 60


def mark_authenticated(request) -> None:
    request.session[AUTHENTICATED_AT_KEY] = time.time()


def recently_authenticated(request) -> bool:
    return time.time() - request.session.get(AUTHENTICATED_AT_KEY, 0) <= REAUTH_SECONDS


def forget_authentication(request) -> None:
    request.session.pop(AUTHENTICATED_AT_KEY, None)


def reauthentication_required(title, *, page: Callable[..., str] | None = None):
    """For a sensitive page (under member_required or another role decorator): past the window,
    the page's own URL shows a "Mot de passe actuel" form that posts to itself, and comes back
    to the page once confirmed. With `page(request)`, the view is a step posted from that page
    (htmx or not): past the window it sends the browser back to the page, which asks."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if recently_authenticated(request):
                return view(request, *args, **kwargs)
            if page is not None:
                target = page(request)
                return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
            confirming = request.method == "POST" and "current_password" in request.POST
            form = ReauthForm(request, request.POST if confirming else None)
            if confirming and form.is_valid():
                mark_authenticated(request)
                return redirect(request.get_full_path())
            context = {"form": form, "title": title}
            status = 400 if form.errors else 200
            return render(request, "accounts/reauth.html", context, status=status)

        return wrapper

    return decorator
