from django.urls import path

from ribambelle.debits.views import creditor, staff

app_name = "debits_staff"

urlpatterns = [
    path("regies/<int:office_pk>/prelevement/", creditor.creditor_edit, name="creditor_edit"),
    path("foyers/<int:pk>/mandats/papier/", staff.paper_mandate, name="paper_mandate"),
    path(
        "foyers/<int:pk>/mandats/<int:mandate_pk>/suspendre/",
        staff.mandate_suspend,
        name="mandate_suspend",
    ),
    path(
        "foyers/<int:pk>/mandats/<int:mandate_pk>/reactiver/",
        staff.mandate_reactivate,
        name="mandate_reactivate",
    ),
    path(
        "foyers/<int:pk>/mandats/<int:mandate_pk>/document/",
        staff.mandate_document,
        name="mandate_document",
    ),
]
