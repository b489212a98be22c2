import json

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRefresh

from ribambelle.accounts.access import parent_required
from ribambelle.billing import portal_selectors as billing_portal_selectors
from ribambelle.billing.payments.registry import can_pay_online
from ribambelle.bookings.selectors import today as booking_today
from ribambelle.documents import selectors as document_selectors
from ribambelle.families import selectors as family_selectors
from ribambelle.families.links import with_links
from ribambelle.messaging import selectors as messaging_selectors
from ribambelle.portal import pwa
from ribambelle.tenants.models import Municipality
from ribambelle.tenants.selectors import departments_listed
from ribambelle.tenants.shortcuts import tenant_reverse


@parent_required
def home(request):
    household = family_selectors.household_or_none(request)
    children = []
    today = []
    unpaid = []
    unread = 0
    documents = []
    if household is not None:
        # One query for the children, what their records lack and what they do today.
        records = booking_today.children_with_activities_on(household, timezone.localdate())
        missing = family_selectors.missing_by_child(request.municipality, records)
        children = [
            (child, with_links(request.municipality, child, missing[child.pk])) for child in records
        ]
        today = [(child, booking_today.activities_on(child)) for child in records]
        if not any(activities for _child, activities in today):
            today = []
        unpaid = [
            (invoice, can_pay_online(invoice))
            for invoice in billing_portal_selectors.unpaid_invoices_listed(household)
        ]
        unread = messaging_selectors.unread_count(household)
        documents = document_selectors.recent_for_household(household)
    return render(
        request,
        "portal/home.html",
        {
            "household": household,
            "children": children,
            "today": today,
            "unpaid": unpaid,
            "unread": unread,
            "documents": documents,
            "today_date": timezone.localdate(),
            "departments": departments_listed(request.municipality),
        },
    )


def csrf_failure(request, reason=""):
    """A French page instead of Django's technical one; nothing was changed. htmx swaps
    nothing on a 403, so a ticked cell would silently do nothing: the page is reloaded instead
    (its forms get a fresh token) with a message that says what happened."""
    if getattr(request, "htmx", False):
        messages.warning(
            request,
            _("La page avait expiré : elle a été rechargée. Recommencez votre dernière action."),
        )
        return HttpResponseClientRefresh()
    return render(request, "csrf_failure.html", status=403)


def page_not_found(request, exception=None):
    """Keep the municipality's branding on its unknown pages (no URL pattern matched, so the
    tenant middleware did not run)."""
    if getattr(request, "municipality", None) is None:
        slug = request.path.strip("/").split("/", 1)[0]
        request.municipality = Municipality.objects.filter(slug=slug, is_active=True).first()
    return render(request, "404.html", status=404)


@require_GET
def manifest(request):
    """The web app manifest of the municipality's portal: public, the same for everyone."""
    response = JsonResponse(
        pwa.manifest_data(request.municipality), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Type"] = "application/manifest+json"
    patch_cache_control(response, public=True, max_age=3600)
    return response


@require_GET
def service_worker(request):
    """Served under /<slug>/ so that its scope is the municipality's portal without a
    Service-Worker-Allowed header. Browsers check it for updates at each navigation."""
    offline_url = tenant_reverse(request.municipality, "portal:offline")
    assets = pwa.shell_assets()
    # A JavaScript file, not HTML: JSON is its literal syntax for these values.
    config = {
        "cachePrefix": f"ribambelle-{request.municipality.slug}-",
        "version": pwa.cache_version(request.municipality, assets, offline_url),
        "offlineUrl": offline_url,
        "staticPrefix": settings.STATIC_URL,
        "assets": assets,
        "appName": request.municipality.name,
        "icon": static("ribambelle/icons/icon-192.png"),
    }
    response = render(
        request,
        "portal/service-worker.js",
        {"config": json.dumps(config, indent=2)},
        content_type="text/javascript",
    )
    patch_cache_control(response, no_cache=True)
    return response


@require_GET
def offline(request):
    """The page the service worker shows when the network is gone. It fetches it without
    cookies when it installs, so the stored copy names nobody."""
    response = render(request, "portal/offline.html", {"offline_page": True})
    patch_cache_control(response, no_cache=True)
    return response
