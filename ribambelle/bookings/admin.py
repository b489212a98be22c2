from django.contrib import admin

from ribambelle.bookings.models import (
    Activity,
    Attendance,
    Booking,
    BookingSettings,
    CalendarFeed,
    Closure,
)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "municipality", "starts_on", "ends_on", "is_active"]
    list_filter = ["municipality", "is_active"]
    list_select_related = ["department", "municipality"]
    search_fields = ["name"]
    raw_id_fields = ["enrolled"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["label", "department", "municipality", "starts_on", "ends_on"]
    list_filter = ["municipality"]
    list_select_related = ["department", "municipality"]
    search_fields = ["label"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["date", "activity", "child", "source", "late", "municipality"]
    list_filter = ["municipality", "source", "late"]
    list_select_related = ["activity", "child", "municipality"]
    date_hierarchy = "date"
    raw_id_fields = ["child", "activity", "created_by"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["date", "activity", "child", "status", "was_booked", "municipality"]
    list_filter = ["municipality", "status"]
    list_select_related = ["activity", "child", "municipality"]
    date_hierarchy = "date"
    raw_id_fields = ["child", "activity", "recorded_by"]


@admin.register(BookingSettings)
class BookingSettingsAdmin(admin.ModelAdmin):
    list_display = ["municipality", "reminders_enabled", "reminder_hours"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["household", "created_at"]
    raw_id_fields = ["household"]
    exclude = ["token"]
