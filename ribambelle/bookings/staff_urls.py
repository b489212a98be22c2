from django.urls import path

from ribambelle.bookings.views import counts, grid, register

app_name = "bookings_staff"

urlpatterns = [
    path("pointage/", register.register, name="register"),
    path("pointage/marquer/", register.register_mark, name="register_mark"),
    path("pointage/ajouter/", register.register_add, name="register_add"),
    path("effectifs/", counts.counts, name="counts"),
    path("effectifs.csv", counts.counts_csv, name="counts_csv"),
    path("familles/<int:pk>/reservations/", grid.staff_grid, name="grid"),
    path("familles/<int:pk>/reservations/enregistrer/", grid.staff_save, name="save"),
]
