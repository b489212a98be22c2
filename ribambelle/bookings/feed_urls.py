app_name = "bookings_feed"

urlpatterns: list = []
