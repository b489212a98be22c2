"""The calendar feed, apart from the other booking pages: its address is given to phones."""

from django.urls import path

from ribambelle.bookings.views import feed

app_name = "bookings_feed"

urlpatterns = [
    path("reservations/calendrier/", feed.feed_settings, name="feed_settings"),
    path("reservations/calendrier/<str:token>.ics", feed.feed, name="feed"),
]
