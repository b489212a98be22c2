"""URLconf used only while `manage.py bench` runs: the project's URLs plus a trivial view, so
the baseline goes through exactly the same middleware stack as the measured pages."""

from django.http import HttpResponse
from django.urls import path

import ribambelle.urls


def baseline_view(request):
    return HttpResponse("ok")


urlpatterns = [
    path("_bench/baseline/", baseline_view, name="bench_baseline"),
    *ribambelle.urls.urlpatterns,
]
