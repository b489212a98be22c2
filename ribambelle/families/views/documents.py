"""Family documents: upload for a child or a guardian of the parent's own household, and
downloads through permission-checked views only (the storage is private, DESIGN invariant 6)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from ribambelle.accounts.access import parent_required, staff_required
from ribambelle.core.files import DOCUMENT_TYPES, safe_filename, serve_file
from ribambelle.families import selectors
from ribambelle.families.forms_documents import DocumentForm, OwnedDocumentForm
from ribambelle.families.models import Child, DocumentKind, FamilyDocument, Guardian, Household
from ribambelle.families.services.documents import document_add, document_staff_read
from ribambelle.tenants.shortcuts import tenant_reverse


def _document_add(
    request, form, *, household: Household, child: Child | None, guardian: Guardian | None
) -> bool:
    """Store the checked upload; a refused file puts its reason on the form."""
    try:
        document = document_add(
            actor=request.user,
            household=household,
            child=child,
            guardian=guardian,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            file=form.cleaned_data["file"],
        )
    except ValidationError as error:
        form.add_error("file", error)
        return False
    messages.success(
        request, _("Le document « %(name)s » est enregistré.") % {"name": document.name}
    )
    return True


def _upload(request, *, household, child=None, guardian=None, back_url: str):
    owner = child or guardian
    requested_kind = request.GET.get("type")
    posted = request.method == "POST"
    form = DocumentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial_kind=requested_kind if requested_kind in DocumentKind.values else None,
    )
    owners = {"household": household, "child": child, "guardian": guardian}
    if posted and form.is_valid() and _document_add(request, form, **owners):
        return redirect(back_url)
    return render(
        request,
        "families/documents/add.html",
        {"form": form, "owner": owner, "back_url": back_url},
        status=400 if form.errors else 200,
    )


@parent_required
def child_document_add(request, pk: int):
    household = selectors.household_of(request)
    child = selectors.child_get(household, pk)
    back_url = tenant_reverse(request.municipality, "families:child", pk=child.pk)
    return _upload(request, household=household, child=child, back_url=f"{back_url}#documents")


@parent_required
def guardian_document_add(request, pk: int):
    household = selectors.household_of(request)
    guardian = selectors.guardian_get(household, pk)
    back_url = tenant_reverse(request.municipality, "families:household")
    return _upload(
        request,
        household=household,
        guardian=guardian,
        back_url=f"{back_url}#guardian-{guardian.pk}-documents",
    )


def download_filename(document: FamilyDocument) -> str:
    """The family's name for the document with the extension of its detected type; path
    separators and control characters removed."""
    name = safe_filename(document.name)
    extension = DOCUMENT_TYPES.get(document.content_type, "")
    if extension and not name.lower().endswith(extension):
        name += extension
    return name


def attachment(document: FamilyDocument) -> FileResponse:
    """The stored file as an attachment of its detected type: never rendered by the browser,
    never sniffed, never kept in a shared cache."""
    return serve_file(
        document.file, content_type=document.content_type, filename=download_filename(document)
    )


@parent_required
def document_download(request, pk: int):
    household = selectors.household_of(request)
    document = selectors.document_get(household, pk)
    return attachment(document)


@staff_required
def staff_document_download(request, pk: int):
    document = selectors.staff_document_get(request.municipality, pk)
    document_staff_read(actor=request.user, document=document)
    return attachment(document)


@parent_required
def household_document_add(request):
    """From "Mes documents": the form asks which person of the household the document is for,
    then files it as the child's or guardian's page would."""
    household = selectors.household_of(request)
    guardians = list(selectors.guardians_of(household))
    children = list(selectors.children_of(household))
    posted = request.method == "POST"
    form = OwnedDocumentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        guardians=guardians,
        children=children,
    )
    back_url = tenant_reverse(request.municipality, "documents:index") + "#documents-famille"
    if posted and form.is_valid():
        child, guardian = form.chosen_person()
        if _document_add(request, form, household=household, child=child, guardian=guardian):
            return redirect(back_url)
    return render(
        request,
        "families/documents/add_owned.html",
        {"form": form, "back_url": back_url},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("foyer/documents/ajouter/", household_document_add, name="household_document_add"),
    path("enfants/<int:pk>/documents/ajouter/", child_document_add, name="child_document_add"),
    path(
        "foyer/responsables/<int:pk>/documents/ajouter/",
        guardian_document_add,
        name="guardian_document_add",
    ),
    path("foyer/documents/<int:pk>/", document_download, name="document_download"),
]

# Staff views, included in the "families_staff" namespace under /<slug>/gestion/.
staff_urlpatterns = [
    path("familles/documents/<int:pk>/", staff_document_download, name="document_download"),
]
