from django.urls import path

from ribambelle.accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("premiere-connexion/", views.password_link_request_view, name="password_link_request"),
    path("mot-de-passe/<uidb64>/<token>/", views.password_link_view, name="password_link"),
    path("mot-de-passe/<uidb64>/", views.password_create_view, name="password_create"),
    path("compte/", views.account_view, name="account"),
    path("compte/mot-de-passe/", views.password_change_view, name="password_change"),
]
