"""Response headers that every view would otherwise have to remember."""

PRIVATE_NO_STORE = "private, no-store"


class PrivateNoStoreMiddleware:
    """A page shown to a signed-in person may hold a child's health record or a family's
    invoices: neither a shared cache nor the browser (its disk cache, its back/forward cache
    after logging out) may keep it. So every response to an authenticated request gets
    `private, no-store`, unless its view already chose one of these two:

    - `no-store` in any form (`never_cache`, file downloads): already as strict;
    - `private` with a lifetime: a per-person resource that the view decided may be kept by that
      person's own client, such as the iCalendar feed, which a calendar application fetches with
      its token and no session.

    Anything weaker (no header, `public`, a bare `max-age`) is replaced. Static files never get
    here: WhiteNoise answers them above this middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        directives = {
            part.strip().split("=", 1)[0].lower()
            for part in response.get("Cache-Control", "").split(",")
            if part.strip()
        }
        if "no-store" not in directives and "private" not in directives:
            response["Cache-Control"] = PRIVATE_NO_STORE
            if response.has_header("Expires"):
                del response["Expires"]
        return response
