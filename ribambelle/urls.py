from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from ribambelle.core import views as core_views
from ribambelle.tenants import views as tenant_views

tenant_patterns: list[URLPattern | URLResolver] = [
    path("", include("ribambelle.portal.urls")),
    path("", include("ribambelle.families.urls")),
    path("", include("ribambelle.accounts.urls")),
    path("", include("ribambelle.bookings.urls")),
    path("", include("ribambelle.bookings.feed_urls")),
    path("", include("ribambelle.billing.urls")),
    path("", include("ribambelle.documents.urls")),
    path("", include("ribambelle.messaging.urls")),
    path("", include("ribambelle.billing.payment_urls")),
    path("", include("ribambelle.debits.urls")),
    path("gestion/", include("ribambelle.backoffice.urls")),
    path("gestion/", include("ribambelle.families.staff_urls")),
    path("gestion/", include("ribambelle.bookings.staff_urls")),
    path("gestion/", include("ribambelle.bookings.config_urls")),
    path("gestion/", include("ribambelle.billing.staff_urls")),
    path("gestion/", include("ribambelle.debits.returns_urls")),
    path("gestion/", include("ribambelle.treasury.accounting_urls")),
    path("gestion/", include("ribambelle.treasury.settings_urls")),
    path("gestion/", include("ribambelle.debits.staff_urls")),
    path("gestion/", include("ribambelle.debits.collections_urls")),
    path("gestion/", include("ribambelle.documents.staff_urls")),
    path("gestion/", include("ribambelle.messaging.staff_urls")),
    path("gestion/", include("ribambelle.treasury.staff_urls")),
    path("logo/", tenant_views.logo, name="municipality_logo"),
]

urlpatterns = [
    path("", tenant_views.root, name="root"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Development mailbox: answers 404 unless DEBUG.
    path("dev/courriels/", core_views.mailbox_list, name="dev_mailbox"),
    path("dev/courriels/<str:ident>/", core_views.mailbox_detail, name="dev_mailbox_detail"),
    path("<slug:municipality_slug>/", include(tenant_patterns)),
]
handler404 = "ribambelle.portal.views.page_not_found"
