from django.urls import path

from ribambelle.treasury.views import settings

app_name = "treasury_settings"

urlpatterns = [
    path("regies/<int:office_pk>/tresor-public/", settings.office, name="office"),
    path(
        "regies/<int:office_pk>/tresor-public/imputations/",
        settings.imputations,
        name="imputations",
    ),
]
