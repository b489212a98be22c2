from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "first_name",
        "last_name",
        "municipality",
        "role",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active", "municipality"]
    list_select_related = ["municipality"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["municipality__name", "email"]
    readonly_fields = ["last_login", "date_joined", "password_changed_at"]
    fieldsets = [
        (None, {"fields": ["municipality", "email", "first_name", "last_name", "role"]}),
        (_("Accès"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "password_changed_at"]}),
    ]
    exclude = ["password"]
