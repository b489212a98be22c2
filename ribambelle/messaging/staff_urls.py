from django.urls import path

from ribambelle.messaging import views

app_name = "messaging_staff"

urlpatterns = [
    path("messagerie/", views.inbox, name="inbox"),
    path("messagerie/<int:pk>/", views.staff_conversation, name="conversation"),
    path("messagerie/piece-jointe/<int:pk>/", views.staff_attachment, name="attachment"),
]
