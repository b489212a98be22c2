from django.shortcuts import render

from ribambelle.accounts.access import parent_required
from ribambelle.tenants.selectors import departments_of


@parent_required
def home(request):
    return render(
        request,
        "portal/home.html",
        {"departments": departments_of(request.municipality)},
    )
