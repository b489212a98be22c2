from ribambelle.families.views import audit, documents, imports, queue, settings, staff

app_name = "families_staff"

urlpatterns = [
    *staff.urlpatterns,
    *queue.urlpatterns,
    *audit.urlpatterns,
    *settings.urlpatterns,
    *imports.urlpatterns,
    *documents.staff_urlpatterns,
]
