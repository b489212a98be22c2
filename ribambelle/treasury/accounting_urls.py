from django.urls import path

from ribambelle.treasury.views import accounting

app_name = "treasury_accounting"

urlpatterns = [
    path("comptabilite/export/", accounting.export, name="export"),
]
