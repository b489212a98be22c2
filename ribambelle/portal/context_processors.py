from django.conf import settings

from ribambelle.portal.navigation import MANAGER_NAV, PORTAL_MORE, PORTAL_NAV, STAFF_NAV
from ribambelle.portal.shell_html import shell_url


def shell(request):
    """The municipality and the navigation of the shell the page is drawn in."""
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        return {"dev_mailbox": settings.DEBUG and settings.EMAIL_MODE == "mailbox"}
    user = request.user
    signed_in = user.is_authenticated and user.municipality_id == municipality.pk
    nav: list[dict[str, object]] = []
    home = "accounts:login"
    if signed_in:
        home = "backoffice:home" if user.is_municipal_staff else "portal:home"
        entries = STAFF_NAV if user.is_municipal_staff else PORTAL_NAV
        if user.can_manage:
            entries = [*entries, *MANAGER_NAV]
        for name, label in entries:
            url = shell_url(name, municipality.slug)
            # The first entry is the shell's home: current on itself only.
            current = request.path == url or (bool(nav) and request.path.startswith(url))
            more = not user.is_municipal_staff and name in PORTAL_MORE
            nav.append({"url": url, "label": label, "current": current, "more": more})
    return {
        "municipality": municipality,
        "signed_in": signed_in,
        "nav": nav,
        "nav_more": [item for item in nav if item["more"]],
        "shell_home": shell_url(home, municipality.slug),
        "dev_mailbox": settings.DEBUG and settings.EMAIL_MODE == "mailbox",
    }
