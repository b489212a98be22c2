from django.http import FileResponse, Http404
from django.shortcuts import render

from ribambelle.tenants.selectors import municipalities_matching


def root(request):
    """Lets a parent find their municipality's portal by name."""
    query = request.GET.get("q", "")[:100]
    results = municipalities_matching(query) if query else None
    return render(request, "tenants/root.html", {"query": query, "results": results})


def logo(request):
    """The municipality's logo, public, streamed from the private storage with nosniff."""
    municipality = request.municipality
    if municipality is None or not municipality.logo:
        raise Http404
    content_type = _image_type(municipality.logo.name)
    try:
        handle = municipality.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _image_type(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".png"):
        return "image/png"
    if lowered.endswith((".jpg", ".jpeg")):
        return "image/jpeg"
    raise Http404
