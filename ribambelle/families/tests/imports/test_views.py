"""Who may use the import pages, and where managers find them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ribambelle.accounts.models import Role
from ribambelle.conftest import logged_in, make_user
from ribambelle.families.models import Household
from ribambelle.families.tests.imports.steps import VALID, token_of, upload, url


@pytest.mark.parametrize("name", ["import_upload", "import_result", "import_invitations"])
def test_access(name, manager_client, agent_client, alice_client, municipality_a, agent_b):
    assert manager_client.get(url(name, municipality_a)).status_code in {200, 302}
    assert agent_client.get(url(name, municipality_a)).status_code == 403
    assert alice_client.get(url(name, municipality_a)).status_code == 403
    assert logged_in(agent_b).get(url(name, municipality_a)).status_code == 404
    readonly = make_user(municipality_a, "lecture@ville-a.fr", Role.READ_ONLY)
    assert logged_in(readonly).get(url(name, municipality_a)).status_code == 403


def test_access_to_preview_and_confirm(
    manager_client, agent_client, municipality_a, municipality_b
):
    token = token_of(upload(manager_client, municipality_a, VALID))
    manager_b = logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))
    for client, status in ((agent_client, 403), (manager_b, 404)):
        assert client.get(url("import_preview", municipality_a, token=token)).status_code == status
        assert client.post(url("import_confirm", municipality_a, token=token)).status_code == status
        assert client.post(url("import_invitations_send", municipality_a)).status_code == status
        response = client.post(
            url("import_upload", municipality_a),
            {"file": SimpleUploadedFile("f.csv", VALID.encode())},
        )
        assert response.status_code == status
    assert manager_client.get(url("import_confirm", municipality_a, token=token)).status_code == 405
    assert not Household.objects.exists()


def test_managers_find_the_import_from_the_families_page(manager_client, agent_client):
    page = manager_client.get("/ville-a/gestion/familles/").content.decode()
    assert "/ville-a/gestion/familles/import/" in page
    assert "/ville-a/gestion/familles/invitations/" in page
    assert (
        "/ville-a/gestion/familles/import/"
        not in agent_client.get("/ville-a/gestion/familles/").content.decode()
    )
