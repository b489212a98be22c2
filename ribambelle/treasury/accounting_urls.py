from django.urls import path

from ribambelle.treasury.views import accounting

app_name = "treasury_accounting"

urlpatterns = [
    path("comptabilite/", accounting.page, name="page"),
    path("comptabilite/export.csv", accounting.export, name="export"),
]
