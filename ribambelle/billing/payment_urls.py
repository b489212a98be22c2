"""Online payment, under /<slug>/: the families' pages, the providers' notifications and the
demo bank."""

from django.urls import path

from ribambelle.billing.views import payments

app_name = "billing_pay"

urlpatterns = [
    path("factures/<int:pk>/payer/", payments.start, name="start"),
    path("paiement/retour/<str:reference>/", payments.payment_return, name="return"),
    path("paiement/reprendre/<str:reference>/", payments.resume, name="resume"),
    path("paiement/notification/<str:provider>/", payments.notify, name="notify"),
    path("banque-demo/<str:reference>/", payments.demo_bank, name="demo_bank"),
]
