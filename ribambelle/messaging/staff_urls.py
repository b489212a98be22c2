from django.urls import path

from ribambelle.messaging import views

app_name = "messaging_staff"

urlpatterns = [
    path("messagerie/", views.inbox, name="inbox"),
    path("messagerie/<int:pk>/", views.staff_conversation, name="conversation"),
    path("messagerie/<int:pk>/repondre/", views.staff_reply, name="reply"),
    path("messagerie/<int:pk>/attribuer/", views.staff_assign, name="assign"),
    path("messagerie/<int:pk>/clore/", views.staff_close, name="close"),
    path("messagerie/<int:pk>/rouvrir/", views.staff_reopen, name="reopen"),
    path("messagerie/piece-jointe/<int:pk>/", views.staff_attachment, name="attachment"),
]
