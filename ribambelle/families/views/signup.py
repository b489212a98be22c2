"""Sign-up of a new family from the login page. The household waits for staff validation;
the municipality may turn sign-up off (the page then answers 404)."""

from axes.helpers import get_client_ip_address
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache

from ribambelle.families.forms_signup import SignupForms
from ribambelle.families.selectors import signup_open
from ribambelle.families.services.signup import SignupOutcome, signup_submit
from ribambelle.tenants.shortcuts import tenant_reverse


def _open_or_404(request) -> None:
    if request.municipality is None or not signup_open(request.municipality):
        raise Http404


@never_cache
def signup_view(request):
    _open_or_404(request)
    user = request.user
    if user.is_authenticated and user.municipality_id == request.municipality.pk:
        return redirect(tenant_reverse(request.municipality, "portal:home"))
    forms = SignupForms(request.POST if request.method == "POST" else None)
    throttled = False
    if request.method == "POST" and forms.is_valid():
        outcome = signup_submit(
            municipality=request.municipality,
            guardians=forms.guardians(),
            address=forms.address(),
            children=forms.children_data(),
            ip=get_client_ip_address(request) or "unknown",
        )
        if outcome == SignupOutcome.SENT:
            return redirect(tenant_reverse(request.municipality, "families:signup_sent"))
        throttled = True
    status = 429 if throttled else 400 if forms.has_errors else 200
    return render(
        request,
        "families/signup/form.html",
        {"forms": forms, "throttled": throttled},
        status=status,
    )


def signup_sent_view(request):
    _open_or_404(request)
    return render(request, "families/signup/sent.html")


urlpatterns = [
    path("inscription/", signup_view, name="signup"),
    path("inscription/envoyee/", signup_sent_view, name="signup_sent"),
]
