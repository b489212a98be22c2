from django.urls import path

from ribambelle.billing.views import account, certificates, reminders, staff

app_name = "billing_staff"

urlpatterns = [
    path("regies/", staff.offices, name="offices"),
    path("regies/ajouter/", staff.office_add, name="office_add"),
    path("regies/<int:pk>/", staff.office_edit, name="office_edit"),
    path("tarifs/", staff.tariffs, name="tariffs"),
    path("tarifs/<int:activity_pk>/", staff.tariff_edit, name="tariff_edit"),
    path("facturation/", staff.runs, name="runs"),
    path("facturation/export.csv", staff.export, name="export"),
    path("facturation/<int:pk>/", staff.run, name="run"),
    path("facturation/<int:pk>/recalculer/", staff.run_recompute, name="run_recompute"),
    path("facturation/<int:pk>/emettre/", staff.run_issue, name="run_issue"),
    path("factures/<int:pk>/", staff.invoice, name="invoice"),
    path("factures/<int:pk>/paiement/", staff.invoice_payment, name="invoice_payment"),
    path("factures/<int:pk>/avoir/", staff.invoice_credit, name="invoice_credit"),
    path("impayes/", staff.unpaid, name="unpaid"),
    path("trop-percus/", staff.overpaid, name="overpaid"),
    path("paiements-en-attente/", staff.stuck_payments, name="stuck_payments"),
    path("foyers/<int:pk>/factures/", staff.household_invoices, name="household_invoices"),
    path("regies/<int:office_pk>/relances/", reminders.levels, name="reminder_levels"),
    path(
        "regies/<int:office_pk>/relances/<int:pk>/",
        reminders.level_edit,
        name="reminder_level_edit",
    ),
    path(
        "regies/<int:office_pk>/relances/<int:pk>/supprimer/",
        reminders.level_delete,
        name="reminder_level_delete",
    ),
    path("relances/", reminders.reminders, name="reminders"),
    path("foyers/<int:pk>/relances/suspendre/", reminders.household_pause, name="household_pause"),
    path(
        "foyers/<int:pk>/relances/reprendre/", reminders.household_resume, name="household_resume"
    ),
    path("foyers/<int:pk>/remboursement/", account.household_refund, name="household_refund"),
    path("foyers/<int:pk>/frais/", account.household_fee_payment, name="household_fee_payment"),
    path("attestations-fiscales/", certificates.certificates, name="certificates"),
    path(
        "attestations-fiscales/reglages/",
        certificates.certificate_settings,
        name="certificate_settings",
    ),
    path(
        "attestations-fiscales/generer/",
        certificates.certificates_generate,
        name="certificates_generate",
    ),
]
