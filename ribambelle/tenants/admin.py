from django.contrib import admin

from ribambelle.tenants.models import Department, Municipality


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ["name", "email", "phone"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "city", "is_active", "password_min_entropy"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "city", "postal_code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "email", "phone"]
    list_filter = ["municipality"]
    list_select_related = ["municipality"]
    search_fields = ["name"]
