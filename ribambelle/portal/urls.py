from django.urls import path

from ribambelle.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("service-worker.js", views.service_worker, name="service_worker"),
    path("hors-ligne/", views.offline, name="offline"),
]
