import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ribambelle.accounts import rules, selectors, services
from ribambelle.accounts.access import member_required, page_allows, safe_next
from ribambelle.accounts.forms import (
    LoginForm,
    PasswordLinkRequestForm,
    PasswordMethodForm,
    ReauthForm,
)
from ribambelle.accounts.models import User
from ribambelle.accounts.rules import PasswordMethod
from ribambelle.accounts.tokens import password_link_tokens
from ribambelle.accounts.validators import (
    CnilPasswordValidator,
    generate_acceptable_password,
    password_floor,
    password_problems,
    sentence_help,
)
from ribambelle.tenants.shortcuts import tenant_reverse

LINK_SESSION_KEY = "_password_link_token"
REAUTH_SESSION_KEY = "_reauthenticated_at"
LOGIN_EMAIL_SESSION_KEY = "_login_email"
REAUTH_SECONDS = 10 * 60


def _url(name: str, request, **kwargs) -> str:
    return tenant_reverse(request.municipality, name, **kwargs)


def _home_for(request, user: User) -> str:
    return _url("backoffice:home" if user.is_municipal_staff else "portal:home", request)


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """django-axes calls this when an account is locked for this address."""
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    if getattr(request, "municipality", None) is None:  # the platform's admin login
        return render(
            request, "accounts/locked_platform.html", {"cooloff_minutes": minutes}, status=429
        )
    form = LoginForm(request, initial={"email": (credentials or {}).get("email", "")})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked": True, "cooloff_minutes": minutes},
        status=429,
    )


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    if request.municipality is None:
        raise Http404
    if request.user.is_authenticated and request.user.municipality_id == request.municipality.pk:
        return redirect(_home_for(request, request.user))
    initial = {"email": request.session.pop(LOGIN_EMAIL_SESSION_KEY, "")}
    form = LoginForm(request, data=request.POST or None, initial=initial)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        if next_url and not page_allows(form.user, next_url):
            next_url = None
        return redirect(next_url or _home_for(request, form.user))
    status = 429 if form.throttled else 400 if form.errors else 200
    return render(
        request, "accounts/login.html", {"form": form, "next": next_url or ""}, status=status
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("Déconnexion effectuée. À bientôt !"))
    return redirect(_url("accounts:login", request))


def _client_ip(request) -> str:
    return get_client_ip_address(request) or "unknown"


@never_cache
def password_link_request_view(request):
    if request.municipality is None:
        raise Http404
    form = PasswordLinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted = services.password_link_request(
            municipality=request.municipality,
            email=form.cleaned_data["email"],
            ip=_client_ip(request),
        )
        if accepted:
            return render(
                request,
                "accounts/password_link_sent.html",
                {"email": form.cleaned_data["email"]},
            )
        return render(
            request,
            "accounts/password_link_request.html",
            {"form": form, "throttled": True},
            status=429,
        )
    return render(request, "accounts/password_link_request.html", {"form": form})


def _user_from_uid(request, uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return selectors.active_user(request.municipality, pk=pk)


@never_cache
def password_link_view(request, uidb64: str, token: str):
    """Move the token from the URL to the session, so that it does not leak through the
    Referer header or the browser history, then show the creation page."""
    if request.municipality is None:
        raise Http404
    user = _user_from_uid(request, uidb64)
    if user is not None and password_link_tokens.check_token(user, token):
        request.session[LINK_SESSION_KEY] = token
        return HttpResponseRedirect(_url("accounts:password_create", request, uidb64=uidb64))
    return render(request, "accounts/password_link_invalid.html", status=400)


def _method_context(request, user: User, form=None, **extra) -> dict:
    floor = password_floor(user)
    return {
        "floor": floor,
        "target_user": user,
        "form": form,
        "help_text": CnilPasswordValidator().get_help_text(),
        "sentence_help": sentence_help(floor),
        **extra,
    }


def _feedback(request, user: User, password: str, *, method: str):
    floor = password_floor(user)
    assessment = rules.assess(password, floor)
    problems = password_problems(password, user, method) if password else []
    classes = rules.character_classes(password)
    from_sentence = method == PasswordMethod.SENTENCE
    return render(
        request,
        "accounts/_password_feedback.html",
        {
            "password": password if from_sentence else "",
            "from_sentence": from_sentence,
            "assessment": assessment,
            "problems": problems,
            "length": len(password),
            "min_length": rules.length_needed(floor, rules.ALL_CLASSES),
            "classes": classes,
            "empty": not password,
            "status_id": "sentence-status" if from_sentence else "password-status",
        },
    )


def _password_methods(request, user: User, template: str, on_saved, **extra):
    """The three ways to choose a password, shared by first connection and profile change.
    action=check/preview answer htmx with feedback; generate draws a password; save stores."""
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "check":
        return _feedback(request, user, request.POST.get("password", ""), method=PasswordMethod.OWN)
    if action == "preview":
        sentence_password = rules.password_from_sentence(request.POST.get("sentence", ""))
        if request.htmx:
            return _feedback(request, user, sentence_password, method=PasswordMethod.SENTENCE)
        return render(
            request,
            template,
            _method_context(
                request,
                user,
                open_method=PasswordMethod.SENTENCE,
                sentence=request.POST.get("sentence", ""),
                sentence_password=sentence_password,
                sentence_feedback=password_problems(
                    sentence_password, user, PasswordMethod.SENTENCE
                ),
                **extra,
            ),
        )
    if action == "generate":
        return render(
            request,
            template,
            _method_context(
                request,
                user,
                open_method=PasswordMethod.GENERATED,
                generated=generate_acceptable_password(user),
                **extra,
            ),
        )
    if action == "save":
        form = PasswordMethodForm(user, request.POST)
        if form.is_valid():
            services.user_set_password(user=user, password=form.cleaned_data["new_password"])
            return on_saved(user)
        method = request.POST.get("method")
        return render(
            request,
            template,
            _method_context(
                request,
                user,
                form=form,
                open_method=method if method in PasswordMethod.ALL else PasswordMethod.OWN,
                generated=request.POST.get("generated", ""),
                sentence=request.POST.get("sentence", ""),
                **extra,
            ),
            status=400,
        )
    return render(request, template, _method_context(request, user, open_method=None, **extra))


@sensitive_post_parameters("password", "password_confirm", "generated", "sentence")
@never_cache
def password_create_view(request, uidb64: str):
    if request.municipality is None:
        raise Http404
    user = _user_from_uid(request, uidb64)
    token = request.session.get(LINK_SESSION_KEY, "")
    if user is None or not password_link_tokens.check_token(user, token):
        return render(request, "accounts/password_link_invalid.html", status=400)

    def on_saved(saved_user):
        request.session.pop(LINK_SESSION_KEY, None)
        messages.success(
            request,
            _("Votre mot de passe est enregistré. Connectez-vous avec votre adresse e-mail."),
        )
        request.session[LOGIN_EMAIL_SESSION_KEY] = saved_user.email
        return redirect(_url("accounts:login", request))

    return _password_methods(
        request,
        user,
        "accounts/password_create.html",
        on_saved,
        first=not user.has_usable_password(),
    )


@member_required
def account_view(request):
    return render(request, "accounts/account.html", {})


@sensitive_post_parameters(
    "current_password", "password", "password_confirm", "generated", "sentence"
)
@never_cache
@member_required
def password_change_view(request):
    reauth_at = request.session.get(REAUTH_SESSION_KEY, 0)
    if time.time() - reauth_at > REAUTH_SECONDS:
        form = ReauthForm(request, request.POST or None)
        if request.method == "POST" and "current_password" in request.POST and form.is_valid():
            request.session[REAUTH_SESSION_KEY] = time.time()
            return redirect(_url("accounts:password_change", request))
        return render(
            request,
            "accounts/password_reauth.html",
            {"form": form},
            status=400 if form.errors else 200,
        )

    def on_saved(saved_user):
        update_session_auth_hash(request, saved_user)
        request.session.pop(REAUTH_SESSION_KEY, None)
        messages.success(request, _("Votre mot de passe a été changé."))
        return redirect(_url("accounts:account", request))

    return _password_methods(request, request.user, "accounts/password_change.html", on_saved)
