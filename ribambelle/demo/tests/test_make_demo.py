"""`make demo` for a newcomer: the port is a parameter that the e-mail links follow, and the
logins printed at the end are not buried under the task backend's log."""

import io
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]


def dry_run(*arguments: str) -> list[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        [make, "--no-print-directory", "-n", "demo", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize(("arguments", "port"), [((), "8000"), (("PORT=8123",), "8123")])
def test_make_demo_serves_on_port_and_links_follow(arguments, port):
    lines = dry_run(*arguments)
    site = f"http://127.0.0.1:{port}"
    commands = [line for line in lines if "manage.py" in line]
    assert [line.split("manage.py ")[1] for line in commands] == [
        "migrate --noinput",
        "seed_demo",
        f"runserver 127.0.0.1:{port}",
    ]
    for command in commands:
        assert f"DEBUG=1 SITE_URL={site} " in command
    assert any(f"{site}/demo/" in line for line in lines)
    assert any(f"{site}/dev/courriels/" in line for line in lines)


@pytest.mark.django_db(transaction=True)  # the e-mail tasks run when seed_demo commits
def test_seed_demo_prints_logins_without_task_log(caplog, mailoutbox):
    out = io.StringIO()
    with caplog.at_level(logging.INFO):
        call_command("seed_demo", stdout=out, stderr=io.StringIO())
    assert [record for record in caplog.records if record.name.startswith("django.tasks")] == []
    printed = out.getvalue()
    assert "alice.martin@exemple.fr" in printed
    assert "Ribambelle-Demo-2026!" in printed
    # The tasks still ran: the demo's invoice e-mails were sent.
    assert mailoutbox
    assert logging.getLogger("django.tasks").level == logging.NOTSET
