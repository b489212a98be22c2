from django.urls import path

from ribambelle.treasury.views import pes as views

app_name = "treasury_staff"

urlpatterns = [
    path("tresor/", views.exports, name="exports"),
    path("tresor/transmettre/", views.export_new, name="export_new"),
    path("tresor/<int:pk>/", views.export, name="export"),
    path("tresor/<int:pk>/fichier/", views.export_file, name="export_file"),
    path("tresor/<int:pk>/acquittement/", views.export_acquit, name="export_acquit"),
]
