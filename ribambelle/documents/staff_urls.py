from django.urls import path

from ribambelle.documents import views

app_name = "documents_staff"

urlpatterns = [
    path("documents/", views.staff_list, name="list"),
    path("documents/publier/", views.publish, name="publish"),
    path("documents/<int:pk>/retirer/", views.withdraw, name="withdraw"),
    path("documents/categories/", views.categories, name="categories"),
    path("documents/categories/<int:pk>/renommer/", views.category_rename, name="category_rename"),
    path("documents/categories/<int:pk>/supprimer/", views.category_delete, name="category_delete"),
]
