"""The settings module itself, imported in a fresh interpreter with a given environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args, **env):
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            (
                "DJANGO_",
                "SECRET_",
                "DEBUG",
                "DATABASE_",
                "SECURE_",
                "SITE_",
                "TASKS_",
                "RIBAMBELLE_SECRETS",
            )
        )
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_secret_key_required_outside_debug():
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_bad_value_fails_clearly():
    result = run_manage("check", DEBUG="peut-être")
    assert result.returncode != 0
    assert "DEBUG='peut-être': expected a boolean" in result.stderr


def test_check_deploy_is_clean(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k" * 30 + "-Zq8#pLm2$vR7!tY4&wX9^bN3*cF6@hJ",
        ALLOWED_HOSTS="portail.example.fr",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        RIBAMBELLE_VAR_DIR=str(tmp_path),
        SITE_URL="https://portail.example.fr",
        RIBAMBELLE_SECRETS_KEY="a-long-random-passphrase-for-the-provider-keys",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_flags_a_missing_secrets_key(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        SECRET_KEY="k" * 30 + "-Zq8#pLm2$vR7!tY4&wX9^bN3*cF6@hJ",
        ALLOWED_HOSTS="portail.example.fr",
        RIBAMBELLE_VAR_DIR=str(tmp_path),
        SITE_URL="https://portail.example.fr",
    )
    assert "ribambelle.W004" in result.stdout + result.stderr


def test_check_deploy_flags_a_local_site_url(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        SECRET_KEY="k" * 30 + "-Zq8#pLm2$vR7!tY4&wX9^bN3*cF6@hJ",
        ALLOWED_HOSTS="portail.example.fr",
        RIBAMBELLE_VAR_DIR=str(tmp_path),
    )
    assert "ribambelle.W001" in result.stdout + result.stderr


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def database_options(**env) -> dict:
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(repr(settings.DATABASES['default']['OPTIONS']))",
        DEBUG="1",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - our own repr of a dict


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (None, {"server_side_binding": True, "prepare_threshold": 2}),
        ("5", {"server_side_binding": True, "prepare_threshold": 5}),
        ("0", {}),
    ],
)
def test_postgresql_prepares_statements_unless_turned_off(threshold, expected):
    """PostgreSQL binds parameters on the server and prepares a query run twice on a
    connection (issue 15); DB_PREPARE_THRESHOLD=0 turns it off (behind PgBouncer)."""
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
    if threshold is not None:
        env["DB_PREPARE_THRESHOLD"] = threshold
    assert database_options(**env) == expected


def test_sqlite_has_no_postgresql_options(tmp_path):
    options = database_options(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert "server_side_binding" not in options
    assert options["transaction_mode"] == "IMMEDIATE"
