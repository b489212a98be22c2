from ribambelle.families.views import documents, portal, signup

app_name = "families"

urlpatterns = [*portal.urlpatterns, *documents.urlpatterns, *signup.urlpatterns]
