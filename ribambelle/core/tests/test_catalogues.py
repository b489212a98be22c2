"""The message catalogues are compiled by every install path, without GNU gettext: the compiler
itself (against msgfmt), and the README's production install giving an English login page."""

import gettext
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ribambelle.core import catalogues

ROOT = Path(__file__).resolve().parents[3]
PIP = [sys.executable, "-m", "pip"]
PO_PATH = ROOT / "ribambelle" / "locale" / "en" / "LC_MESSAGES" / "django.po"

SAMPLE = r"""# A comment.
msgid ""
msgstr ""
"Language: en\n"
"POT-Creation-Date: 2026-11-27 05:07+0000\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: a.py:1
msgid "Bonjour"
msgstr "Hello"

msgctxt "mois"
msgid "Mai"
msgstr "May"

#, python-format
msgid "%(n)s enfant"
msgid_plural "%(n)s enfants"
msgstr[0] "%(n)s child"
msgstr[1] "%(n)s children"

msgid ""
"Une longue phrase "
"sur deux lignes « guillemets » \"citée\"\n"
"et un retour."
msgstr ""
"A long sentence "
"on two lines \"quoted\"\n"
"and a return."

#, fuzzy
msgid "Brouillon"
msgstr "Draft"

msgid "Pas traduit"
msgstr ""

msgid "Une forme"
msgid_plural "Des formes"
msgstr[0] "One form"
msgstr[1] ""

#~ msgid "Ancien"
#~ msgstr "Old"
"""


def load(mo_path: Path) -> gettext.GNUTranslations:
    with mo_path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def test_compiled_sample_reads_back(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(SAMPLE, encoding="utf-8")
    assert catalogues.compile_file(po) is True
    assert catalogues.compile_file(po) is False  # unchanged: not rewritten
    translations = load(tmp_path / "django.mo")
    assert translations.gettext("Bonjour") == "Hello"
    assert translations.pgettext("mois", "Mai") == "May"
    assert translations.gettext("Mai") == "Mai"
    assert translations.ngettext("%(n)s enfant", "%(n)s enfants", 1) == "%(n)s child"
    assert translations.ngettext("%(n)s enfant", "%(n)s enfants", 3) == "%(n)s children"
    long = 'Une longue phrase sur deux lignes « guillemets » "citée"\net un retour.'
    assert translations.gettext(long) == 'A long sentence on two lines "quoted"\nand a return.'
    # Left out, as msgfmt does: the French source shows instead.
    assert translations.gettext("Brouillon") == "Brouillon"
    assert translations.gettext("Pas traduit") == "Pas traduit"
    assert translations.ngettext("Une forme", "Des formes", 2) == "Des formes"
    assert translations.gettext("Ancien") == "Ancien"
    assert "POT-Creation-Date" not in translations._catalog[""]
    assert translations.info()["language"] == "en"


def test_unreadable_catalogue_names_file_and_line(tmp_path):
    po = tmp_path / "django.po"
    po.write_text('msgid "a"\nmsgstr "b"\nnonsense\n', encoding="utf-8")
    with pytest.raises(catalogues.CatalogueError, match=r"django\.po:3"):
        catalogues.compile_file(po)


def test_same_catalogue_as_msgfmt(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed (CI installs it)")
    subprocess.run([msgfmt, "-o", str(tmp_path / "gnu.mo"), str(PO_PATH)], check=True)
    catalogues.compile_file(PO_PATH, tmp_path / "ours.mo")
    assert load(tmp_path / "ours.mo")._catalog == load(tmp_path / "gnu.mo")._catalog


def _run(args: list[str], **options) -> subprocess.CompletedProcess:
    """Run a step of the install; on failure, show what it printed."""
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **options)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)}\n{result.stdout}\n{result.stderr}", pytrace=False)
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, language: str) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 - a local server started by this test
        url,
        headers={
            "Host": "portail.example.fr",
            "X-Forwarded-Proto": "https",
            "Accept-Language": language,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.read().decode()


@pytest.mark.slow
def test_production_install_serves_english(tmp_path):
    """The README's production install, from a source tree without compiled catalogues and
    with no msgfmt on the PATH: build the package, install it in a new virtualenv, run the
    release steps, start gunicorn, and ask for the login page in English."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".*_cache", "*.mo"
        ),
    )
    assert not list(source.rglob("*.mo"))
    # Only the interpreter's own folder on the PATH: no msgfmt, no compilemessages.
    bare = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    # Outside the checkout: `python -c` and `-m` look in the working directory first.
    run = {"cwd": tmp_path}

    wheels = tmp_path / "wheels"
    _run(
        [
            *PIP,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(wheels),
            str(source),
        ],
        env=bare,
        **run,
    )
    (wheel,) = wheels.glob("ribambelle-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=bare, **run)
    python = str(venv / "bin" / "python")
    _run(
        [*PIP, "--python", python, "install", "--no-deps", "--no-index", "-q", str(wheel)],
        env=bare,
        **run,
    )
    site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], **run
        ).stdout.strip()
    )
    installed = site / "ribambelle" / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    assert installed.is_file()
    # The dependencies are those of this environment (no network in tests); the package
    # itself is the installed wheel, found first.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    var = tmp_path / "var"
    production = {
        "PATH": str(venv / "bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "ribambelle.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portail.example.fr",
        "SITE_URL": "https://portail.example.fr",
        "DATABASE_URL": f"sqlite:///{var / 'ribambelle.sqlite3'}",
        "RIBAMBELLE_VAR_DIR": str(var),
        "TASKS_BACKEND": "database",
        "EMAIL_MODE": "smtp",
        "DEFAULT_FROM_EMAIL": "Portail famille <ne-pas-repondre@portail.example.fr>",
        "BEHIND_TLS_PROXY": "1",
        "RIBAMBELLE_SECRETS_KEY": secrets.token_urlsafe(32),
    }
    where = _run(
        [python, "-c", "import ribambelle; print(ribambelle.__file__)"], env=production, **run
    )
    assert where.stdout.strip().startswith(str(site))
    for step in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["check", "--deploy", "--fail-level", "WARNING"],
        ["create_municipality", "villeneuve", "Ville", "--manager-email", "enfance@villeneuve.fr"],
    ):
        _run([python, "-m", "django", *step], env=production, **run)

    port = _free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "ribambelle.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
        env=production,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/villeneuve/connexion/"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, english = _get(url, "en")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        _status, french = _get(url, "fr-FR,fr;q=0.9")
    finally:
        server.terminate()
        server.wait(timeout=20)

    assert status == 200
    assert '<html lang="en">' in english
    assert "Log in" in english
    assert "Email address" in english
    assert "Se connecter" not in english
    assert '<html lang="fr">' in french
    assert "Se connecter" in french
