app_name = "bookings_staff"

urlpatterns: list = []
