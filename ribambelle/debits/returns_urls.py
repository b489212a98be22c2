from django.urls import path

from ribambelle.debits.returns import views

app_name = "debits_returns"

urlpatterns = [
    path("rejets-prelevement/", views.returns_list, name="list"),
    path("rejets-prelevement/importer/", views.returns_upload, name="upload"),
    path("rejets-prelevement/saisir/", views.return_add, name="add"),
]
