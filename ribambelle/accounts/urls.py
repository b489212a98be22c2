from django.urls import path

from ribambelle.accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("premiere-connexion/", views.password_link_request_view, name="password_link_request"),
    # Before the link: a token always has a dash, these steps never.
    *[
        path(f"mot-de-passe/<uidb64>/{slug}/", view, name=f"password_create_{step}")
        for slug, step, view in [
            ("verifier", "check", views.password_create_check),
            ("phrase", "preview", views.password_create_preview),
            ("generer", "generate", views.password_create_generate),
            ("enregistrer", "save", views.password_create_save),
        ]
    ],
    path("mot-de-passe/<uidb64>/<token>/", views.password_link_view, name="password_link"),
    path("mot-de-passe/<uidb64>/", views.password_create_view, name="password_create"),
    path("compte/", views.account_view, name="account"),
    path("compte/adresse-e-mail/", views.email_change_view, name="email_change"),
    path(
        "compte/adresse-e-mail/<token>/",
        views.email_change_confirm_view,
        name="email_change_confirm",
    ),
    path("compte/appareils/deconnecter/", views.devices_logout_view, name="devices_logout"),
    path("compte/appareils/<int:pk>/deconnecter/", views.device_logout_view, name="device_logout"),
    path("compte/mot-de-passe/", views.password_change_view, name="password_change"),
    *[
        path(f"compte/mot-de-passe/{slug}/", view, name=f"password_change_{step}")
        for slug, step, view in [
            ("verifier", "check", views.password_change_check),
            ("phrase", "preview", views.password_change_preview),
            ("generer", "generate", views.password_change_generate),
            ("enregistrer", "save", views.password_change_save),
        ]
    ],
]
