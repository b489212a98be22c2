"""Shared steps of the import tests: a valid file, and a manager uploading, previewing and
confirming it through the pages."""

import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

SAMPLE = Path(__file__).resolve().parents[4] / "docs" / "import-familles-exemple.csv"
HEADER = (
    "reference_foyer;nom_foyer;adresse;code_postal;commune;quotient;"
    "resp1_civilite;resp1_nom;resp1_prenom;resp1_email;resp1_portable;"
    "resp2_civilite;resp2_nom;resp2_prenom;resp2_email;resp2_portable;"
    "enfant_nom;enfant_prenom;enfant_sexe;enfant_naissance;enfant_ecole;enfant_classe"
)
VALID = "\n".join(
    [
        HEADER,
        "F1;Foyer Roux;1 rue Haute;69001;Lyon;650,50;Mme;Roux;Anne;anne@example.org;"
        "06 11 11 11 11;M;Roux;Paul;paul@example.org;;Roux;Léo;M;01/02/2016;Jaurès;CM1",
        "F1;Foyer Roux;1 rue Haute;69001;Lyon;650,50;Mme;Roux;Anne;anne@example.org;"
        "06 11 11 11 11;M;Roux;Paul;paul@example.org;;Roux;Mia;F;03/04/2019;Jaurès;GS",
        "F2;Foyer Blanc;2 rue Basse;69002;Lyon;1200.00;M;Blanc;Marc;marc@example.org;;"
        ";;;;;Blanc;Zoé;F;05/06/2017;Ferry;CE2",
        "F3;Foyer Vert;;;;;Mme;Vert;Lina;;;;;;;;;;;;;",
    ]
)


def url(name, municipality, **kwargs):
    return reverse(
        f"families_staff:{name}", kwargs={"municipality_slug": municipality.slug, **kwargs}
    )


def upload(client, municipality, content, name="familles.csv"):
    if isinstance(content, str):
        content = content.encode()
    response = client.post(
        url("import_upload", municipality),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )
    return response


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.search(r"/apercu/([0-9a-f]+)/", response.url).group(1)


def preview_and_confirm(client, municipality, content):
    token = token_of(upload(client, municipality, content))
    preview = client.get(url("import_preview", municipality, token=token))
    confirm = client.post(url("import_confirm", municipality, token=token))
    return preview, confirm
