from ribambelle.families.views import imports, staff

app_name = "families_staff"

urlpatterns = [*staff.urlpatterns, *imports.urlpatterns]
