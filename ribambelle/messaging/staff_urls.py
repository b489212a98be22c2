app_name = "messaging_staff"

urlpatterns: list = []
