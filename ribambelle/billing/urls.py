from django.urls import path

from ribambelle.billing.views import portal

app_name = "billing"

urlpatterns = [
    path("factures/", portal.invoices, name="invoices"),
    path("factures/<int:pk>/", portal.invoice, name="invoice"),
    path("factures/<int:pk>/pdf/", portal.invoice_pdf, name="invoice_pdf"),
    path(
        "factures/<int:invoice_pk>/avoirs/<int:pk>/pdf/",
        portal.credit_note_pdf,
        name="credit_note_pdf",
    ),
]
