from django.urls import path

from ribambelle.debits.refunds import views as refunds
from ribambelle.debits.returns import views

app_name = "debits_returns"

urlpatterns = [
    path("rejets-prelevement/", views.returns_list, name="list"),
    path("rejets-prelevement/importer/", views.returns_upload, name="upload"),
    path("rejets-prelevement/saisir/", views.return_add, name="add"),
    path("remboursements-virement/", refunds.refunds, name="refunds"),
    path("remboursements-virement/ajouter/", refunds.refund_add, name="refund_add"),
    path("remboursements-virement/fichier/", refunds.refund_file_add, name="refund_file_add"),
    path("remboursements-virement/fichiers/<int:pk>/", refunds.refund_file, name="refund_file"),
]
