"""Documents the municipality publishes to families (menus, rules, news...), in categories it
defines, each for an audience; a household's first opening of a document is a read receipt."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.bookings.models import Activity
from ribambelle.core.folding import casefolded
from ribambelle.core.french import without_repeated_noun
from ribambelle.families.models import Household
from ribambelle.tenants.models import Department, Municipality, TenantQuerySet


class Category(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="doc_category_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Audience(models.TextChoices):
    ALL = "all", _("toutes les familles")
    DEPARTMENT = "department", _("les familles d'un service")
    ACTIVITY = "activity", _("les familles d'une activité")
    SCHOOL = "school", _("les familles d'une école")


class Document(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="documents", verbose_name=_("catégorie")
    )
    title = models.CharField(_("titre"), max_length=150)
    file = models.FileField(upload_to="published-documents/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    published_on = models.DateField(_("date de publication"))
    ends_on = models.DateField(_("fin de publication"), null=True, blank=True)
    audience = models.CharField(
        _("destinataires"), max_length=12, choices=Audience.choices, default=Audience.ALL
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activité"),
    )
    school = models.CharField(_("école"), max_length=150, blank=True)
    # Written by the database, compared with the children's Child.school_key.
    school_key = models.GeneratedField(
        expression=casefolded("school"),
        output_field=models.CharField(max_length=150),
        db_persist=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("document publié")
        verbose_name_plural = _("documents publiés")
        ordering = ["-published_on", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "-published_on"], name="doc_muni_published"),
            models.Index(fields=["category", "-published_on"], name="doc_category_published"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_label(self) -> str:
        """Who the document is for, in words (needs department and activity loaded)."""
        if self.audience == Audience.DEPARTMENT and self.department is not None:
            return _("familles du service %(name)s") % {"name": self.department.name}
        if self.audience == Audience.ACTIVITY and self.activity is not None:
            return _("familles de l'activité %(name)s") % {"name": self.activity.name}
        if self.audience == Audience.SCHOOL:
            school = without_repeated_noun("école", self.school)
            return _("familles de l'école %(name)s") % {"name": school}
        return str(Audience.ALL.label)


class ReadReceipt(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="receipts")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("accusé de lecture")
        verbose_name_plural = _("accusés de lecture")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "household"], name="doc_receipt_unique_household"
            )
        ]
        indexes = [models.Index(fields=["household", "document"], name="doc_receipt_household")]

    def __str__(self) -> str:
        return f"{self.document_id}:{self.household_id}"
