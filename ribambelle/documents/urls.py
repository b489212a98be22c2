from django.urls import path

from ribambelle.documents import views

app_name = "documents"

urlpatterns = [
    path("documents/", views.index, name="index"),
    path("documents/<int:pk>/", views.category, name="category"),
    path("documents/fichier/<int:pk>/", views.document_file, name="file"),
]
