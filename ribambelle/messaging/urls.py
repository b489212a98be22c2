from django.urls import path

from ribambelle.messaging import views

app_name = "messaging"

urlpatterns = [
    path("messagerie/", views.index, name="index"),
    path("messagerie/ecrire/<int:department_pk>/", views.new, name="new"),
    path("messagerie/<int:pk>/", views.conversation, name="conversation"),
    path("messagerie/piece-jointe/<int:pk>/", views.attachment, name="attachment"),
    path("compte/notifications/", views.notifications, name="notifications"),
    path("compte/notifications/activer/", views.push_subscribe, name="push_subscribe"),
    path("compte/notifications/desactiver/", views.push_unsubscribe, name="push_unsubscribe"),
]
