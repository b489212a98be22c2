from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts.rules import Device, device_of
from ribambelle.tenants.models import Municipality, TenantQuerySet


class Role(models.TextChoices):
    PARENT = "parent", _("Parent")
    MANAGER = "manager", _("Responsable")
    AGENT = "agent", _("Agent")
    READ_ONLY = "readonly", _("Consultation")


STAFF_ROLES = frozenset({Role.MANAGER, Role.AGENT, Role.READ_ONLY})


class UserQuerySet(TenantQuerySet):
    def staff(self) -> "UserQuerySet":
        return self.filter(role__in=STAFF_ROLES)


# django-stubs cannot type a manager class built by from_queryset() in its own bases; the
# class keeps its name for the migrations.
class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def create_user(
        self,
        email: str,
        password: str | None = None,
        *,
        municipality: Municipality | None,
        role: str = Role.PARENT,
        **extra: Any,
    ) -> "User":
        user = self.model(
            email=self.normalize_email(email).lower(),
            municipality=municipality,
            role=role,
            **extra,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        """A platform operator: no municipality, Django admin access."""
        user = self.model(
            email=self.normalize_email(email).lower(),
            municipality=None,
            role="",
            is_staff=True,
            is_superuser=True,
            **extra,
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        return self.get(municipality=None, email=username)


class User(AbstractBaseUser, PermissionsMixin):
    """An account of one municipality (parent or staff), or a platform operator
    (no municipality). The same e-mail may hold accounts in two municipalities."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("collectivité"),
    )
    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom de famille"), max_length=100, blank=True)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(
        _("opérateur de la plateforme"),
        default=False,
        help_text=_("Accès à l'administration de la plateforme."),
    )
    date_joined = models.DateTimeField(_("créé le"), default=timezone.now)
    password_changed_at = models.DateTimeField(_("mot de passe changé le"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        constraints = [
            models.UniqueConstraint(
                "municipality",
                Lower("email"),
                name="user_unique_email_per_municipality",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(municipality__isnull=True),
                name="user_unique_operator_email",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "role"], name="user_muni_role")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Stored lower-case so that lookups are exact matches on every database, whatever
        # their case folding (the unique constraint is on Lower("email") too).
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_parent(self) -> bool:
        return self.role == Role.PARENT

    @property
    def is_municipal_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def can_manage(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def can_write(self) -> bool:
        return self.role in {Role.MANAGER, Role.AGENT}


class ThrottleEvent(models.Model):
    """One request against a rate limit, kept in the database so that every app server
    sees the same counts without a shared cache."""

    key = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["key", "created_at"], name="throttle_key_created"),
            models.Index(fields=["created_at"], name="throttle_created"),
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.created_at:%Y-%m-%d %H:%M}"


class DeviceSession(models.Model):
    """One signed-in browser of an account: listed in "Mon compte", where it can be signed out.
    It points at its Django session by key; ending it deletes that session from the store.
    `last_used_at` is refreshed at most every few minutes, never on each request."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    # The network, never the address: IPv4 to /24, IPv6 to /48.
    network = models.CharField(_("réseau"), max_length=50, blank=True)
    remembered = models.BooleanField(_("rester connecté"), default=False)
    created_at = models.DateTimeField(_("connecté le"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dernière utilisation"), default=timezone.now)

    class Meta:
        verbose_name = _("appareil connecté")
        verbose_name_plural = _("appareils connectés")
        indexes = [models.Index(fields=["user", "-last_used_at"], name="device_user_last_used")]

    def __str__(self) -> str:
        return f"{self.user} – {self.user_agent[:40]}"

    @property
    def device(self) -> "Device":
        return device_of(self.user_agent)


class Session(AbstractBaseSession):
    """Django's database session, with the signed-in account beside its data (SESSION_ENGINE
    `ribambelle.accounts.sessions`). Every request reads its session, its user, the user's
    municipality and a parent's household in one statement (issue 15). The account is written
    from the session's data at each save; the data stays what says who is signed in."""

    # No constraint in the database: a session naming an account deleted meanwhile must still
    # save (an INSERT refused there would make Django's create() retry for ever). The ORM
    # deletes an account's sessions with it; a dangling id joins nothing and reads as before.
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="sessions",
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    def __str__(self) -> str:
        # Never the key: it is all a cookie needs (the admin lists an account's sessions on the
        # page that confirms its deletion).
        return f"session {self.user_id or '-'} {self.expire_date:%Y-%m-%d %H:%M}"

    @classmethod
    def get_session_store_class(cls):
        from ribambelle.accounts.sessions import SessionStore

        return SessionStore


class PushSubscription(models.Model):
    """A browser where a guardian turned notifications on (Web Push): the push service's
    endpoint and the keys that encrypt each message for that browser (RFC 8291)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=50)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("abonnement aux notifications")
        verbose_name_plural = _("abonnements aux notifications")
        indexes = [models.Index(fields=["user"], name="push_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.endpoint[:60]}"
