"""Publishing checks files by content, stores them under a random name and audits; withdrawing
takes the file away."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from ribambelle.core.models import AuditEntry
from ribambelle.documents import services
from ribambelle.documents.models import Audience, Category, Document
from ribambelle.documents.tests.conftest import publish

pytestmark = pytest.mark.django_db


def test_publish_stores_privately_and_audits(agent_a, menus, department_a):
    document = publish(
        menus,
        actor=agent_a,
        audience=Audience.SCHOOL,
        school=" École Jules-Ferry ",
        department=department_a,
    )
    assert document.content_type == "application/pdf"
    assert document.original_name == "menu.pdf"
    assert "menu" not in document.file.name.rsplit("/", 1)[-1]
    # Only the target of the chosen audience is kept.
    assert document.department is None
    assert document.school == "École Jules-Ferry"
    assert document.audience_label == "familles de l'école Jules-Ferry"
    entry = AuditEntry.objects.get(target_type="documents.document")
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == agent_a


def test_publish_refuses_a_disguised_file(agent_a, menus):
    with pytest.raises(ValidationError):
        services.document_publish(
            actor=agent_a,
            municipality=menus.municipality,
            category=menus,
            title="Faux",
            file=ContentFile(b"MZ\x90\x00 not a pdf", name="menu.pdf"),
            published_on=menus.municipality.created_at.date(),
        )
    assert not Document.objects.exists()


def test_withdraw_deletes_file_and_row(django_capture_on_commit_callbacks, agent_a, menus):
    document = publish(menus, actor=agent_a)
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_withdraw(actor=agent_a, document=document)
    assert not Document.objects.exists()
    assert not storage.exists(name)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


def test_category_delete_refuses_when_not_empty(manager_a, menus):
    publish(menus)
    with pytest.raises(ValueError):
        services.category_delete(actor=manager_a, category=menus)
    assert Category.objects.filter(pk=menus.pk).exists()
