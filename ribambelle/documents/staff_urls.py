app_name = "documents_staff"

urlpatterns: list = []
