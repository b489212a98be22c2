"""The household's calendar address (a parent page) and the feed itself, which phones fetch
without a session: the token in the URL is the only key."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ribambelle.accounts.access import parent_required
from ribambelle.bookings import feed as feeds
from ribambelle.bookings import selectors, services
from ribambelle.families.selectors import household_of
from ribambelle.tenants.shortcuts import tenant_reverse


def feed_url(municipality, token: str) -> str:
    return settings.SITE_URL + tenant_reverse(municipality, "bookings_feed:feed", token=token)


@parent_required
@require_http_methods(["GET", "POST"])
def feed_settings(request):
    household = household_of(request)
    if request.method == "POST":
        services.calendar_feed_reset(
            municipality=request.municipality, actor=request.user, household=household
        )
        messages.success(
            request,
            _(
                "Nouvelle adresse créée. L'ancienne ne fonctionne plus : ajoutez celle-ci à "
                "votre agenda à la place."
            ),
        )
        return redirect(tenant_reverse(request.municipality, "bookings_feed:feed_settings"))
    feed = services.calendar_feed_get_or_create(household=household)
    url = feed_url(request.municipality, feed.token)
    return render(
        request,
        "bookings/feed/settings.html",
        {
            "feed_url": url,
            # iPhones (and most desktop calendars) subscribe directly from a webcal:// link.
            "webcal_url": "webcal://" + url.split("://", 1)[1],
        },
    )


@require_GET
def feed(request, token: str):
    """Three queries whatever the number of bookings: municipality, token, bookings."""
    calendar_feed = selectors.calendar_feed_by_token(request.municipality, token)
    now = timezone.now()
    bookings = selectors.bookings_for_feed(calendar_feed.household, *feeds.feed_period(now))
    # A calendar app sends no language preference that the parents chose: the portal's one.
    with translation.override(settings.LANGUAGE_CODE):
        body = feeds.build_calendar(request.municipality, bookings, now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = f"private, max-age={int(feeds.FEED_TTL.total_seconds())}"
    response["Content-Disposition"] = 'inline; filename="reservations.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
