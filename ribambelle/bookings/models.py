"""Activities, their calendar, bookings and attendance.

One Booking row per (child, activity, date): cancelling deletes it. DayCount is the per
activity-and-day counter that a booking locks (select_for_update) so that capacity holds under
concurrent requests, on SQLite (which serializes writers) as on PostgreSQL (row locks)."""

import secrets
from collections.abc import Iterable
from datetime import time
from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ribambelle.bookings import rules
from ribambelle.core.dates import WEEKDAY_NAMES
from ribambelle.families.models import Child, Household
from ribambelle.tenants.models import Department, Municipality, TenantQuerySet

WEEKDAY_CHOICES = [(index, capfirst(name)) for index, name in enumerate(WEEKDAY_NAMES)]


class DeadlineKind(models.TextChoices):
    DAYS_BEFORE = rules.DAYS_BEFORE, _("N jours avant, à une heure donnée")
    WEEKLY = rules.WEEKLY, _("un jour fixe de la semaine précédente")


class Activity(models.Model):
    """A prestation of a department, bookable by day."""

    class Unit(models.TextChoices):
        DAY = "day", _("journée")
        MEAL = "meal", _("repas")
        HALF_DAY = "half_day", _("demi-journée")
        SESSION = "session", _("séance")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="activities", verbose_name=_("service")
    )
    name = models.CharField(_("nom"), max_length=150)
    unit = models.CharField(_("unité"), max_length=10, choices=Unit.choices, default=Unit.DAY)
    weekdays = models.CharField(
        _("jours proposés"),
        max_length=7,
        default="0134",
        help_text=_("Chiffres des jours : 0 lundi … 6 dimanche."),
    )
    starts_on = models.DateField(_("premier jour"))
    ends_on = models.DateField(_("dernier jour"))
    capacity = models.PositiveIntegerField(
        _("places par jour"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Laissez vide s'il n'y a pas de limite."),
    )
    # Who may book it: an empty list means everyone.
    schools = models.TextField(
        _("écoles"), blank=True, help_text=_("Une école par ligne ; vide : toutes.")
    )
    classes = models.TextField(
        _("classes"), blank=True, help_text=_("Une classe par ligne ; vide : toutes.")
    )
    min_age = models.PositiveSmallIntegerField(_("âge minimum"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("âge maximum"), null=True, blank=True)
    enrolment_only = models.BooleanField(
        _("sur inscription seulement"),
        default=False,
        help_text=_("Seuls les enfants inscrits par la mairie peuvent réserver."),
    )
    enrolled = models.ManyToManyField(
        Child, blank=True, related_name="+", verbose_name=_("enfants inscrits")
    )
    # Deadlines, in the municipality's time: one rule to book, another to cancel.
    book_kind = models.CharField(
        _("règle de réservation"),
        max_length=12,
        choices=DeadlineKind.choices,
        default=DeadlineKind.DAYS_BEFORE,
    )
    book_days = models.PositiveSmallIntegerField(
        _("nombre de jours avant"), default=2, validators=[MaxValueValidator(60)]
    )
    book_working_days = models.BooleanField(_("compter seulement les jours ouvrés"), default=False)
    book_weekday = models.PositiveSmallIntegerField(
        _("jour de la semaine précédente"), choices=WEEKDAY_CHOICES, default=1
    )
    book_time = models.TimeField(_("heure limite"), default=time(23, 59))
    cancel_kind = models.CharField(
        _("règle d'annulation"),
        max_length=12,
        choices=DeadlineKind.choices,
        default=DeadlineKind.DAYS_BEFORE,
    )
    cancel_days = models.PositiveSmallIntegerField(
        _("nombre de jours avant"), default=2, validators=[MaxValueValidator(60)]
    )
    cancel_working_days = models.BooleanField(
        _("compter seulement les jours ouvrés"), default=False
    )
    cancel_weekday = models.PositiveSmallIntegerField(
        _("jour de la semaine précédente"), choices=WEEKDAY_CHOICES, default=1
    )
    cancel_time = models.TimeField(_("heure limite"), default=time(23, 59))
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)
    is_active = models.BooleanField(_("ouverte aux réservations"), default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["position", "name", "pk"]
        indexes = [models.Index(fields=["municipality", "starts_on"], name="activity_muni_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="activity_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(char) for char in self.weekdays if char.isdigit())

    def rule(self, prefix: str) -> rules.DeadlineRule:
        return rules.DeadlineRule(
            kind=getattr(self, f"{prefix}_kind"),
            at=getattr(self, f"{prefix}_time"),
            days=getattr(self, f"{prefix}_days"),
            working_days=getattr(self, f"{prefix}_working_days"),
            weekday=getattr(self, f"{prefix}_weekday"),
        )

    @property
    def booking_rule(self) -> rules.DeadlineRule:
        return self.rule("book")

    @property
    def cancel_rule(self) -> rules.DeadlineRule:
        return self.rule("cancel")


class Closure(models.Model):
    """A period the municipality closes: school holidays, strike day, staff training..."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
        help_text=_("Laissez vide pour fermer tous les services."),
    )
    label = models.CharField(_("motif"), max_length=100)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["starts_on", "pk"]
        indexes = [models.Index(fields=["municipality", "starts_on"], name="closure_muni_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="closure_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.label


class ChildRowQuerySet(TenantQuerySet):
    """Rows owned by a child (bookings, attendance): a household's rows are its children's."""

    def for_household(self, household: Any) -> Self:
        """Scoped through the child (its household index), not the row's municipality: a
        filter on the row's (municipality, date) index makes SQLite read every booking of
        the municipality in an EXISTS (the documents' audiences)."""
        return self.filter(
            child__municipality_id=household.municipality_id, child__household_id=household.pk
        )


class Booking(models.Model):
    class Source(models.TextChoices):
        FAMILY = "family", _("famille")
        MASS = "mass", _("réservation en masse")
        STAFF = "staff", _("personnel")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="bookings")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="bookings")
    date = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FAMILY)
    # Made after the deadline by staff: billing may charge it differently.
    late = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ChildRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "activity", "date"], name="booking_unique_child_activity_date"
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "date"], name="booking_muni_date"),
            models.Index(fields=["activity", "date"], name="booking_activity_date"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.date:%d/%m/%Y}"


class DayCount(models.Model):
    """Bookings of one activity on one day: the row a booking locks to check the capacity.
    It also lists the booked children, kept by the booking service in the same transaction:
    the kitchen counts read these rows and the children's diets and schools as they are now,
    instead of joining every booking of the period to its child. The list is text, ",12,45,",
    so that booking appends ("12,") and cancelling replaces (",12," by ",") in SQL on either
    database, without reading the list back."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    booked = models.PositiveIntegerField(default=0)
    children = models.TextField(default=",")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "date"], name="daycount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.date}: {self.booked}"

    @staticmethod
    def listing(child_ids: Iterable[int]) -> str:
        return "," + "".join(f"{pk}," for pk in child_ids)

    @staticmethod
    def listed(children: str) -> list[str]:
        """The ids of a listing, as text (the kitchen counts look them up as they are)."""
        return children.strip(",").split(",") if children.strip(",") else []

    @property
    def children_ids(self) -> list[int]:
        return [int(pk) for pk in self.listed(self.children)]


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("présent")
        ABSENT = "absent", _("absent")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="attendances")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    # Whether the child was booked when the register was taken (unbooked presence).
    was_booked = models.BooleanField(default=True)
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ChildRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "activity", "date"], name="attendance_unique_child_activity_date"
            )
        ]
        indexes = [models.Index(fields=["municipality", "date"], name="attendance_muni_date")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.activity_id} {self.date}: {self.status}"


class BookingSettings(models.Model):
    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="booking_settings"
    )
    reminders_enabled = models.BooleanField(
        _("rappel avant la date limite"),
        default=False,
        help_text=_(
            "Un courriel aux foyers qui n'ont rien réservé pour la semaine suivante, avant la "
            "première date limite de cette semaine."
        ),
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("envoyer le rappel … heures avant la date limite"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )

    def __str__(self) -> str:
        return str(self.municipality)


class ReminderSent(models.Model):
    """One reminder per household and week, whatever how often the task runs."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "week"], name="reminder_unique_week")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.week}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The household's private iCalendar address. Revoking replaces the token."""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.household_id)
