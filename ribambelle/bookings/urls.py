from django.urls import path

from ribambelle.bookings.views import grid, mass

app_name = "bookings"

urlpatterns = [
    path("reservations/", grid.grid, name="grid"),
    path("reservations/enregistrer/", grid.save, name="save"),
    path("reservations/en-masse/", mass.wizard, name="mass"),
    path("reservations/en-masse/resultat/", mass.result, name="mass_result"),
    path("gestion/familles/<int:pk>/reservations/", grid.staff_grid, name="staff_grid"),
    path(
        "gestion/familles/<int:pk>/reservations/enregistrer/",
        grid.staff_save,
        name="staff_save",
    ),
]
