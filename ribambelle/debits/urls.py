from django.urls import path

from ribambelle.debits.views import mandates

app_name = "debits"

urlpatterns = [
    path(
        "factures/prelevement/<int:office_pk>/signer/",
        mandates.mandate_sign,
        name="mandate_sign",
    ),
    path(
        "factures/prelevement/mandats/<int:pk>/changer-de-compte/",
        mandates.mandate_change,
        name="mandate_change",
    ),
    path(
        "factures/prelevement/mandats/<int:pk>/revoquer/",
        mandates.mandate_revoke,
        name="mandate_revoke",
    ),
    path(
        "factures/prelevement/mandats/<int:pk>/pdf/",
        mandates.mandate_document,
        name="mandate_document",
    ),
]
