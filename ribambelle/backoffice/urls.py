from django.urls import path

from ribambelle.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.departments, name="departments"),
    path("services/nouveau/", views.department_create, name="department_create"),
    path("services/<int:pk>/", views.department_edit, name="department_edit"),
    path("actualite/", views.news, name="news"),
    path("personnel/", views.staff, name="staff"),
    path("personnel/inviter/", views.staff_invite, name="staff_invite"),
]
