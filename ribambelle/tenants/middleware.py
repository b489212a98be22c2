from django.http import Http404
from django.shortcuts import get_object_or_404

from ribambelle.tenants import configuration
from ribambelle.tenants.models import Municipality


class MunicipalityMiddleware:
    """Resolves /<municipality_slug>/ to request.municipality; an unknown or inactive slug is a
    404. A signed-in user of that municipality brought it along: no query then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.municipality = None
        # The municipality read below is trusted for the configuration until the response.
        with configuration.request_scope():
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.pop("municipality_slug", None)
        if slug is None:
            return None
        user = request.user
        # The signed-in user's municipality came with the user (accounts.backends.get_user).
        if user.is_authenticated and user.municipality_id and user.municipality.slug == slug:
            municipality = user.municipality
        else:
            municipality = get_object_or_404(Municipality, slug=slug)
        if not municipality.is_active:
            raise Http404
        # Read at the start of this request: its configuration version can be trusted.
        request.municipality = configuration.current(municipality)
        return None
