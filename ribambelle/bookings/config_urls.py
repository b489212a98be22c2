app_name = "bookings_config"

urlpatterns: list = []
