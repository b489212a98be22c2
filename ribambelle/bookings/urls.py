from django.urls import path

from ribambelle.bookings.views import grid, mass

app_name = "bookings"

urlpatterns = [
    path("reservations/", grid.grid, name="grid"),
    path("reservations/enregistrer/", grid.save, name="save"),
    path("reservations/en-masse/", mass.wizard, name="mass"),
    path("reservations/en-masse/resultat/", mass.result, name="mass_result"),
]
