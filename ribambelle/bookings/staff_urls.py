from django.urls import path

from ribambelle.bookings.views import staff

app_name = "bookings_staff"

urlpatterns = [
    path("pointage/", staff.register, name="register"),
    path("pointage/marquer/", staff.register_mark, name="register_mark"),
    path("pointage/ajouter/", staff.register_add, name="register_add"),
    path("effectifs/", staff.counts, name="counts"),
    path("effectifs.csv", staff.counts_csv, name="counts_csv"),
]
