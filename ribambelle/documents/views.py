"""Mes documents (families) and the staff pages that publish them. Every portal read starts
from `selectors.visible_to`, so a document outside the household's audience answers 404; files
are served by these views only, never sniffed (invariants 1 and 6): a PDF, JPEG or PNG whose
bytes say so opens in the browser, anything else is downloaded (docs/decisions/0008)."""

import os
import re
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import (
    manager_required,
    parent_required,
    staff_required,
    staff_writer_required,
)
from ribambelle.core.files import DOCUMENT_TYPES, safe_filename, serve_file
from ribambelle.documents import selectors, services
from ribambelle.documents.forms import CategoryForm, PublishForm
from ribambelle.documents.models import Document
from ribambelle.families import selectors as family_selectors
from ribambelle.tenants.shortcuts import tenant_reverse

DOCUMENTS_PER_PAGE = 20


@parent_required
def index(request):
    household = family_selectors.household_of(request)
    return render(
        request,
        "documents/index.html",
        {
            "categories": selectors.categories_listed(household),
            "family_documents": selectors.family_documents_listed(household),
        },
    )


@parent_required
def category(request, pk: int):
    household = family_selectors.household_of(request)
    category = selectors.category_get(request.municipality, pk)
    # The latest first, a page at a time: a category of weekly menus grows all year long.
    documents = selectors.CategoryDocuments(household, category, DOCUMENTS_PER_PAGE)
    # Its count and slices are all that the Paginator reads of it.
    paginator: Paginator[Document] = Paginator(cast(Any, documents), DOCUMENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "documents/category.html",
        {
            "category": category,
            "documents": _cards(request.municipality, list(page.object_list)),
            "page_obj": page,
        },
    )


@dataclass(frozen=True)
class DocumentCard:
    """A document of a category as its card shows it: its words and links prepared once here,
    not by a tag per document in the template (a page of twenty cards spent most of its time
    in them, issue 15)."""

    document: Document
    url: str
    published: str
    open_hint: str
    download_hint: str


def _cards(municipality, documents: list[Document]) -> list[DocumentCard]:
    # One reverse for the page: a file's URL ends with its id (documents/fichier/<pk>/).
    prefix = tenant_reverse(municipality, "documents:file", pk=0).removesuffix("0/")
    return [
        DocumentCard(
            document=document,
            url=f"{prefix}{document.pk}/",
            published=_("publié le %(date)s")
            % {"date": date_format(document.published_on, "DATE_FORMAT")},
            open_hint=_("« %(title)s » (nouvel onglet)") % {"title": document.title},
            download_hint=_("« %(title)s »") % {"title": document.title},
        )
        for document in documents
    ]


def _filename(document: Document, shown_as: str | None) -> str:
    """The title, with the extension of the checked type, or else of the uploaded file's name."""
    name = safe_filename(document.title)
    extension = DOCUMENT_TYPES.get(shown_as or "", "")
    if not extension:
        extension = os.path.splitext(document.original_name)[1].lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,8}", extension):
            extension = ""
    if extension and not name.lower().endswith(extension):
        name += extension
    return name


def serve(document: Document, *, download: bool) -> FileResponse:
    """A PDF or image whose bytes match its type, inline (to open in a tab) unless asked as a
    download; anything else as an attachment of no particular type. Never sniffed, never kept
    in a shared cache."""
    return serve_file(
        document.file,
        content_type=document.content_type,
        filename=partial(_filename, document),
        inline=not download,
    )


@parent_required
def document_file(request, pk: int):
    household = family_selectors.household_of(request)
    document = selectors.visible_get(household, pk)
    services.document_mark_read(document=document, household=household)
    return serve(document, download=request.GET.get("telecharger") == "1")


# Staff pages, in the "documents_staff" namespace under /<slug>/gestion/.


@staff_required
def staff_list(request):
    return render(
        request,
        "documents/staff/list.html",
        {"documents": selectors.staff_documents(request.municipality)},
    )


@staff_writer_required
def publish(request):
    posted = request.method == "POST"
    form = PublishForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        municipality=request.municipality,
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_publish(
                actor=request.user,
                municipality=request.municipality,
                category=data["category"],
                title=data["title"],
                file=data["file"],
                published_on=data["published_on"],
                ends_on=data["ends_on"],
                audience=data["audience"],
                department=data["department"],
                activity=data["activity"],
                school=data["school"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request, _("Le document « %(title)s » est publié.") % {"title": document.title}
            )
            return redirect(tenant_reverse(request.municipality, "documents_staff:list"))
    return render(
        request,
        "documents/staff/publish.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@staff_writer_required
def withdraw(request, pk: int):
    document = selectors.staff_document_get(request.municipality, pk)
    services.document_withdraw(actor=request.user, document=document)
    messages.success(
        request, _("Le document « %(title)s » est retiré.") % {"title": document.title}
    )
    return redirect(tenant_reverse(request.municipality, "documents_staff:list"))


@manager_required
def categories(request):
    posted = request.method == "POST"
    form = CategoryForm(request.POST if posted else None, municipality=request.municipality)
    if posted and form.is_valid():
        category = services.category_add(
            actor=request.user, municipality=request.municipality, name=form.cleaned_data["name"]
        )
        messages.success(
            request, _("La catégorie « %(name)s » est créée.") % {"name": category.name}
        )
        return redirect(tenant_reverse(request.municipality, "documents_staff:categories"))
    return _categories_page(request, form)


def _categories_page(request, form, rename_form=None, renamed=None):
    return render(
        request,
        "documents/staff/categories.html",
        {
            "form": form,
            "categories": selectors.staff_categories(request.municipality),
            "rename_form": rename_form,
            "renamed": renamed,
        },
        status=400 if form.errors or (rename_form and rename_form.errors) else 200,
    )


@require_POST
@manager_required
def category_rename(request, pk: int):
    category = selectors.category_get(request.municipality, pk)
    form = CategoryForm(request.POST, municipality=request.municipality, instance=category)
    if not form.is_valid():
        return _categories_page(
            request, CategoryForm(municipality=request.municipality), form, category.pk
        )
    services.category_rename(actor=request.user, category=category, name=form.cleaned_data["name"])
    messages.success(
        request, _("La catégorie est renommée « %(name)s ».") % {"name": category.name}
    )
    return redirect(tenant_reverse(request.municipality, "documents_staff:categories"))


@require_POST
@manager_required
def category_delete(request, pk: int):
    category = selectors.category_get(request.municipality, pk)
    if category.documents.exists():
        messages.error(
            request,
            _("La catégorie « %(name)s » contient des documents : retirez-les d'abord.")
            % {"name": category.name},
        )
    else:
        services.category_delete(actor=request.user, category=category)
        messages.success(
            request, _("La catégorie « %(name)s » est supprimée.") % {"name": category.name}
        )
    return redirect(tenant_reverse(request.municipality, "documents_staff:categories"))
