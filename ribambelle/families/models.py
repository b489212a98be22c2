from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.core.folding import casefolded
from ribambelle.tenants.models import Department, Municipality, TenantQuerySet

phone_validator = RegexValidator(
    r"^\+?[0-9 .\-()]{6,20}$",
    _("Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."),
)


class FamilySettings(models.Model):
    """The municipality's choices for family records."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="family_settings"
    )
    signup_enabled = models.BooleanField(
        _("les nouvelles familles peuvent créer leur compte"), default=True
    )
    # Categories whose changes by a family wait for staff validation (codes of CATEGORIES).
    validated_categories = models.JSONField(
        _("catégories soumises à validation"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("réglages des dossiers familles")
        verbose_name_plural = _("réglages des dossiers familles")

    def __str__(self) -> str:
        return str(self.municipality)


class Household(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("actif")
        PENDING = "pending", _("en attente de validation")
        REFUSED = "refused", _("refusé")

    # Every status but refused, for `status__in`: PostgreSQL plans a prepared `status <> $1`
    # generically as if almost no household passed when nearly all share one status, and picked
    # a nested loop over every household (the register's candidates: 2.5 -> 8 ms).
    NOT_REFUSED = (Status.ACTIVE, Status.PENDING)

    class QuotientSource(models.TextChoices):
        DECLARED = "declared", _("déclaré par la famille")
        STAFF = "staff", _("saisi par la mairie")
        CAF = "caf", _("CAF")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom du foyer"), max_length=150)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    paying_guardian = models.ForeignKey(
        "Guardian",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable payeur"),
    )
    quotient = models.DecimalField(
        _("quotient familial"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    quotient_date = models.DateField(_("date du quotient"), null=True, blank=True)
    quotient_source = models.CharField(
        _("origine du quotient"), max_length=10, choices=QuotientSource.choices, blank=True
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    external_ref = models.CharField(
        _("référence dans l'ancien logiciel"), max_length=60, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("foyer")
        verbose_name_plural = _("foyers")
        ordering = ["name"]
        indexes = [models.Index(fields=["municipality", "name"], name="household_muni_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="household_unique_external_ref",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Guardian(models.Model):
    class Civility(models.TextChoices):
        MADAME = "mme", _("Madame")
        MONSIEUR = "m", _("Monsieur")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="guardians")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guardian",
    )
    # État civil
    civility = models.CharField(_("civilité"), max_length=5, choices=Civility.choices, blank=True)
    last_name = models.CharField(_("nom de famille"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    birth_place = models.CharField(_("lieu de naissance"), max_length=100, blank=True)
    # Coordonnées
    email = models.EmailField(_("adresse e-mail"), blank=True)
    mobile_phone = models.CharField(
        _("téléphone portable"), max_length=20, blank=True, validators=[phone_validator]
    )
    other_phone = models.CharField(
        _("autre téléphone"), max_length=20, blank=True, validators=[phone_validator]
    )
    address = models.CharField(
        _("adresse, si différente de celle du foyer"), max_length=250, blank=True
    )
    # Situation
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    employer = models.CharField(_("employeur"), max_length=150, blank=True)
    work_phone = models.CharField(
        _("téléphone professionnel"), max_length=20, blank=True, validators=[phone_validator]
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("responsable légal")
        verbose_name_plural = _("responsables légaux")
        ordering = ["pk"]
        indexes = [models.Index(fields=["municipality", "last_name"], name="guardian_muni_name")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Child(models.Model):
    class Sex(models.TextChoices):
        GIRL = "f", _("Fille")
        BOY = "m", _("Garçon")

    class Diet(models.TextChoices):
        STANDARD = "standard", _("repas standard")
        NO_MEAT = "no_meat", _("repas sans viande")
        MEDICAL = "medical", _("régime médical (voir PAI)")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="children")
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom de famille"), max_length=100)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("date de naissance"))
    birth_city = models.CharField(_("commune de naissance"), max_length=100, blank=True)
    school = models.CharField(_("école"), max_length=150, blank=True)
    # Written by the database: what a document addressed to a school is matched on.
    school_key = models.GeneratedField(
        expression=casefolded("school"),
        output_field=models.CharField(max_length=150),
        db_persist=True,
    )
    school_class = models.CharField(_("classe"), max_length=50, blank=True)
    # Informations médicales
    allergies = models.TextField(_("allergies"), blank=True)
    diet = models.CharField(
        _("régime alimentaire"), max_length=10, choices=Diet.choices, default=Diet.STANDARD
    )
    has_pai = models.BooleanField(_("projet d'accueil individualisé (PAI)"), default=False)
    doctor_name = models.CharField(_("médecin traitant"), max_length=150, blank=True)
    doctor_phone = models.CharField(
        _("téléphone du médecin"), max_length=20, blank=True, validators=[phone_validator]
    )
    vaccinations_up_to_date = models.BooleanField(
        _("vaccinations obligatoires à jour"), null=True, blank=True
    )
    # Assurance
    insurer = models.CharField(_("assureur"), max_length=150, blank=True)
    insurance_policy = models.CharField(_("numéro de contrat"), max_length=60, blank=True)
    insurance_valid_until = models.DateField(_("assurance valable jusqu'au"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("enfant")
        verbose_name_plural = _("enfants")
        ordering = ["birth_date", "pk"]
        indexes = [models.Index(fields=["municipality", "last_name"], name="child_muni_name")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Consent(models.Model):
    """An authorisation the municipality asks of families (photos, leaving alone...)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("intitulé"), max_length=150)
    description = models.TextField(_("explication"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("autorisation")
        verbose_name_plural = _("autorisations")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class ChildConsent(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="+")
    granted = models.BooleanField()
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "consent"], name="child_consent_unique")
        ]

    def __str__(self) -> str:
        return f"{self.child} – {self.consent}: {self.granted}"


class AuthorizedPerson(models.Model):
    """Someone who may pick the child up, or be called in an emergency."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="authorized_people")
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom de famille"), max_length=100)
    phone = models.CharField(_("téléphone"), max_length=20, validators=[phone_validator])
    relationship = models.CharField(_("lien avec l'enfant"), max_length=60)
    can_pick_up = models.BooleanField(_("peut venir chercher l'enfant"), default=True)
    emergency_contact = models.BooleanField(_("à appeler en cas d'urgence"), default=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("personne autorisée")
        verbose_name_plural = _("personnes autorisées")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class DocumentKind(models.TextChoices):
    INSURANCE = "insurance", _("attestation d'assurance")
    PAI = "pai", _("PAI")
    VACCINATION = "vaccination", _("carnet de vaccination")
    QUOTIENT = "quotient", _("attestation de quotient familial")
    OTHER = "other", _("autre document")
    # Issued by the municipality to the household (never uploaded by the family).
    MANDATE = "mandate", _("mandat de prélèvement SEPA")
    TAX_CERTIFICATE = "tax_certificate", _("attestation fiscale de frais de garde")


# Kinds named by a feminine noun: what is said of them agrees (« attestation déposée »).
FEMININE_DOCUMENT_KINDS = frozenset(
    {DocumentKind.INSURANCE, DocumentKind.QUOTIENT, DocumentKind.TAX_CERTIFICATE}
)
# Kinds the municipality issues (families.services.documents.issued_document_add).
ISSUED_DOCUMENT_KINDS = frozenset({DocumentKind.MANDATE, DocumentKind.TAX_CERTIFICATE})


class FamilyDocument(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="documents")
    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    guardian = models.ForeignKey(
        Guardian, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(
        _("type de document"), max_length=20, choices=DocumentKind.choices, default="other"
    )
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(upload_to="family-documents/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Documents the municipality issues (a mandate, a tax certificate): issued_document_add.
    # Those with the same key are versions of one document; the older ones are kept, with the
    # time a newer version replaced them.
    issued = models.BooleanField(default=False)
    version_key = models.CharField(max_length=80, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "household"], name="document_muni_household")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_is_feminine(self) -> bool:
        return self.kind in FEMININE_DOCUMENT_KINDS


class Requirement(models.Model):
    """An item a department requires before families may book it (e.g. the insurance
    certificate and an emergency contact for the leisure centre)."""

    class Item(models.TextChoices):
        INSURANCE_CERTIFICATE = "insurance_certificate", _("attestation d'assurance")
        EMERGENCY_CONTACT = "emergency_contact", _("contact en cas d'urgence")
        DOCTOR = "doctor", _("médecin traitant")
        VACCINATIONS = "vaccinations", _("vaccinations à jour")
        CONSENT = "consent", _("réponse à une autorisation")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    item = models.CharField(_("élément"), max_length=30, choices=Item.choices)
    consent = models.ForeignKey(
        Consent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("pièce obligatoire")
        verbose_name_plural = _("pièces obligatoires")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "item", "consent"], name="requirement_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(item="consent", consent__isnull=False)
                | (~models.Q(item="consent") & models.Q(consent__isnull=True)),
                name="requirement_consent_iff_item_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.get_item_display()}"


class PendingChange(models.Model):
    """A family's change in a category under staff validation: applied only when accepted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("acceptée")
        REFUSED = "refused", _("refusée")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="pending_changes"
    )
    target_type = models.CharField(max_length=20)  # "household", "guardian", "child"
    target_id = models.PositiveBigIntegerField()
    category = models.CharField(max_length=30)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(_("message à la famille"), blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        indexes = [
            models.Index(fields=["municipality", "status"], name="pending_muni_status"),
            models.Index(fields=["household", "status"], name="pending_household_status"),
        ]
        constraints = [
            # One open request per record and category: a new one replaces the old.
            models.UniqueConstraint(
                fields=["target_type", "target_id", "category"],
                condition=models.Q(status="pending"),
                name="pending_change_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_type}:{self.target_id} {self.category} ({self.status})"
