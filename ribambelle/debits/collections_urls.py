from django.urls import path

from ribambelle.debits.views import collections

app_name = "debits_batches"

urlpatterns = [
    path("prelevements/", collections.batches, name="list"),
    path("prelevements/generer/", collections.generate, name="generate"),
    path("prelevements/<int:pk>/", collections.batch, name="detail"),
    path("prelevements/<int:pk>/fichier.xml", collections.download, name="download"),
]
