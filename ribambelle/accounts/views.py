from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ribambelle.accounts import rules, selectors, services
from ribambelle.accounts.access import member_required, page_allows, safe_next
from ribambelle.accounts.forms import (
    EmailChangeForm,
    LoginForm,
    PasswordLinkRequestForm,
    PasswordMethodForm,
)
from ribambelle.accounts.middleware import device_session_begin
from ribambelle.accounts.models import User
from ribambelle.accounts.reauth import (
    forget_authentication,
    mark_authenticated,
    reauthentication_required,
)
from ribambelle.accounts.rules import PasswordMethod
from ribambelle.accounts.tokens import email_change_address, password_link_tokens
from ribambelle.accounts.validators import (
    CnilPasswordValidator,
    generate_acceptable_password,
    password_floor,
    password_problems,
    sentence_help,
)
from ribambelle.tenants.shortcuts import tenant_reverse

LINK_SESSION_KEY = "_password_link_token"
LOGIN_EMAIL_SESSION_KEY = "_login_email"


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
        user = form.user
        assert user is not None  # a valid form found the account
        login(request, user)
        remembered = form.cleaned_data["remember"]
        if remembered:
            # A fixed end, 30 days after this login; otherwise the browser's session as before.
            request.session.set_expiry(services.REMEMBERED_SESSION_AGE)
        device_session_begin(request, user, remembered=remembered)
        mark_authenticated(request)
        if next_url and not page_allows(user, next_url):
            next_url = None
        return redirect(next_url or _home_for(request, user))
    status = 429 if form.throttled else 400 if form.errors else 200
    return render(
        request, "accounts/login.html", {"form": form, "next": next_url or ""}, status=status
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated and request.session.session_key:
        services.device_session_end(user=request.user, session_key=request.session.session_key)
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


@dataclass
class PasswordFlow:
    """Where a password is being chosen: from a first-connection link, or from the account.
    Each method of the page (check, sentence preview, generation, save) posts to its own URL
    of the flow."""

    user: User
    template: str
    url_prefix: str  # "accounts:password_create" or "accounts:password_change"
    url_kwargs: dict[str, str]
    on_saved: Callable[[User], HttpResponse]
    extra: dict[str, Any] = field(default_factory=dict)

    def urls(self, request) -> dict[str, str]:
        return {
            step: _url(f"{self.url_prefix}_{step}", request, **self.url_kwargs)
            for step in ("check", "preview", "generate", "save")
        }


def _methods_page(request, flow: PasswordFlow, *, form=None, status: int = 200, **extra):
    floor = password_floor(flow.user)
    context = {
        "floor": floor,
        "target_user": flow.user,
        "form": form,
        "help_text": CnilPasswordValidator().get_help_text(),
        "sentence_help": sentence_help(floor),
        "urls": flow.urls(request),
        **flow.extra,
        **extra,
    }
    return render(request, flow.template, context, status=status)


def _feedback(request, user: User, password: str, *, method: str) -> HttpResponse:
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


def _check(request, flow: PasswordFlow) -> HttpResponse:
    """htmx: how strong the password being typed is."""
    password = request.POST.get("password", "")
    return _feedback(request, flow.user, password, method=PasswordMethod.OWN)


def _preview(request, flow: PasswordFlow) -> HttpResponse:
    """The password a sentence gives: htmx feedback, or the page again without JavaScript."""
    sentence = request.POST.get("sentence", "")
    password = rules.password_from_sentence(sentence)
    if request.htmx:
        return _feedback(request, flow.user, password, method=PasswordMethod.SENTENCE)
    return _methods_page(
        request,
        flow,
        open_method=PasswordMethod.SENTENCE,
        sentence=sentence,
        sentence_password=password,
        sentence_feedback=password_problems(password, flow.user, PasswordMethod.SENTENCE),
    )


def _generate(request, flow: PasswordFlow) -> HttpResponse:
    generated = generate_acceptable_password(flow.user)
    return _methods_page(request, flow, open_method=PasswordMethod.GENERATED, generated=generated)


def _save(request, flow: PasswordFlow) -> HttpResponse:
    form = PasswordMethodForm(flow.user, request.POST)
    if form.is_valid():
        services.user_set_password(
            user=flow.user,
            password=form.cleaned_data["new_password"],
            keep_session_key=request.session.session_key,
        )
        return flow.on_saved(flow.user)
    method = request.POST.get("method")
    return _methods_page(
        request,
        flow,
        form=form,
        status=400,
        open_method=method if method in PasswordMethod.ALL else PasswordMethod.OWN,
        generated=request.POST.get("generated", ""),
        sentence=request.POST.get("sentence", ""),
    )


# First connection and forgotten password: the link's token waits in the session.

SECRET_FIELDS = ("password", "password_confirm", "generated", "sentence")


def _link_flow(request, uidb64: str) -> PasswordFlow | HttpResponse:
    if request.municipality is None:
        raise Http404
    user = _user_from_uid(request, uidb64)
    token = request.session.get(LINK_SESSION_KEY, "")
    if user is None or not password_link_tokens.check_token(user, token):
        return render(request, "accounts/password_link_invalid.html", status=400)

    def on_saved(saved_user: User) -> HttpResponse:
        request.session.pop(LINK_SESSION_KEY, None)
        messages.success(
            request,
            _("Votre mot de passe est enregistré. Connectez-vous avec votre adresse e-mail."),
        )
        request.session[LOGIN_EMAIL_SESSION_KEY] = saved_user.email
        return redirect(_url("accounts:login", request))

    return PasswordFlow(
        user=user,
        template="accounts/password_create.html",
        url_prefix="accounts:password_create",
        url_kwargs={"uidb64": uidb64},
        on_saved=on_saved,
        extra={"first": not user.has_usable_password()},
    )


def _link_step(step: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @require_POST
    @sensitive_post_parameters(*SECRET_FIELDS)
    @never_cache
    @wraps(step)
    def view(request, uidb64: str) -> HttpResponse:
        flow = _link_flow(request, uidb64)
        return flow if isinstance(flow, HttpResponse) else step(request, flow)

    return view


@sensitive_post_parameters(*SECRET_FIELDS)
@never_cache
def password_create_view(request, uidb64: str) -> HttpResponse:
    flow = _link_flow(request, uidb64)
    return flow if isinstance(flow, HttpResponse) else _methods_page(request, flow)


password_create_check = _link_step(_check)
password_create_preview = _link_step(_preview)
password_create_generate = _link_step(_generate)
password_create_save = _link_step(_save)


# Change from the account: the current password is asked again first (accounts.reauth).

CHANGE_TITLE = gettext_lazy("Changer mon mot de passe")


@member_required
def account_view(request):
    current = request.session.session_key
    devices = [
        (device, device.session_key == current) for device in selectors.devices_of(request.user)
    ]
    return render(request, "accounts/account.html", {"devices": devices})


def _change_flow(request) -> PasswordFlow:
    def on_saved(saved_user: User) -> HttpResponse:
        old_key = request.session.session_key
        update_session_auth_hash(request, saved_user)
        services.device_session_rekey(
            user=saved_user, old_key=old_key, new_key=request.session.session_key
        )
        forget_authentication(request)
        messages.success(
            request,
            _("Votre mot de passe a été changé. Vos autres appareils ont été déconnectés."),
        )
        return redirect(_url("accounts:account", request))

    return PasswordFlow(
        user=request.user,
        template="accounts/password_change.html",
        url_prefix="accounts:password_change",
        url_kwargs={},
        on_saved=on_saved,
    )


def _change_page(request) -> str:
    return _url("accounts:password_change", request)


def _change_step(step: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @require_POST
    @sensitive_post_parameters(*SECRET_FIELDS)
    @never_cache
    @member_required
    @reauthentication_required(CHANGE_TITLE, page=_change_page)
    @wraps(step)
    def view(request) -> HttpResponse:
        return step(request, _change_flow(request))

    return view


@sensitive_post_parameters("current_password", *SECRET_FIELDS)
@never_cache
@member_required
@reauthentication_required(CHANGE_TITLE)
def password_change_view(request) -> HttpResponse:
    return _methods_page(request, _change_flow(request))


password_change_check = _change_step(_check)
password_change_preview = _change_step(_preview)
password_change_generate = _change_step(_generate)
password_change_save = _change_step(_save)


# Signed-in devices, from "Mon compte".


@require_POST
@member_required
def device_logout_view(request, pk: int) -> HttpResponse:
    device = selectors.device_of(request.user, pk)
    if device is None:
        raise Http404
    if device.session_key == request.session.session_key:
        return logout_view(request)
    services.device_session_end(user=request.user, session_key=device.session_key)
    messages.success(request, _("L'appareil a été déconnecté."))
    return redirect(_url("accounts:account", request))


@require_POST
@member_required
def devices_logout_view(request) -> HttpResponse:
    services.device_sessions_end_all(user=request.user)
    logout(request)
    messages.success(request, _("Tous vos appareils ont été déconnectés, y compris celui-ci."))
    return redirect(_url("accounts:login", request))


# The login e-mail: asked from "Mon compte" (password asked again), confirmed from the new address.


@sensitive_post_parameters("current_password")
@never_cache
@member_required
@reauthentication_required(gettext_lazy("Changer mon adresse e-mail"))
def email_change_view(request) -> HttpResponse:
    form = EmailChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["new_email"]
        services.user_email_change_request(user=request.user, new_email=new_email)
        return render(request, "accounts/email_change_sent.html", {"new_email": new_email})
    status = 400 if form.errors else 200
    return render(request, "accounts/email_change.html", {"form": form}, status=status)


@never_cache
@member_required
def email_change_confirm_view(request, token: str) -> HttpResponse:
    new_email = email_change_address(request.user, token)
    if new_email is None:
        return render(request, "accounts/email_change_invalid.html", status=400)
    if request.method != "POST":
        return render(request, "accounts/email_change_confirm.html", {"new_email": new_email})
    try:
        services.user_email_change(user=request.user, new_email=new_email)
    except services.AlreadyExists:
        return render(request, "accounts/email_change_invalid.html", status=400)
    messages.success(
        request, _("Votre adresse de connexion est maintenant %(email)s.") % {"email": new_email}
    )
    return redirect(_url("accounts:account", request))
