from ribambelle.families.views import documents, imports, staff

app_name = "families_staff"

urlpatterns = [*staff.urlpatterns, *imports.urlpatterns, *documents.staff_urlpatterns]
