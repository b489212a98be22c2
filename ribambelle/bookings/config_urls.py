from django.urls import path

from ribambelle.bookings.views import config

app_name = "bookings_config"

urlpatterns = [
    path("activites/", config.activities, name="activities"),
    path("activites/ajouter/", config.activity_add, name="activity_add"),
    path("activites/<int:pk>/", config.activity_edit, name="activity_edit"),
    path("fermetures/", config.closures, name="closures"),
    path("fermetures/<int:pk>/supprimer/", config.closure_delete_view, name="closure_delete"),
    path("reservations/reglages/", config.booking_settings, name="settings"),
]
