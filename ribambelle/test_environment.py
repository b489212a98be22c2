"""Pytest plugin loaded first (-p in pyproject): production settings (DEBUG off) with a test
secret and plain HTTP, set before pytest-django imports the settings."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("SITE_URL", "https://portail.example.fr")


def _sqlite_test_file() -> str:
    """A file for the SQLite test database, one per test process, in memory-backed /dev/shm when
    the machine has it. Not Django's in-memory database: the live server of the browser tests
    would share the test's one connection between its request threads (Django does so for
    in-memory databases), and two requests of a page at once (the page and the service worker's
    fetch, two browsers) then ran their queries and transactions on the same connection, which
    made a page answer 404 or another page now and then. With a file, each thread has its own
    connection and SQLite's locks order them, as in production."""
    shm = "/dev/shm"  # noqa: S108  (a private folder is made in it, as in the temporary one)
    folder = tempfile.mkdtemp(
        prefix="ribambelle-test-", dir=shm if os.access(shm, os.W_OK) else None
    )
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return os.path.join(folder, "test.sqlite3")


if not os.environ.get("DATABASE_URL", "sqlite:").startswith(("postgres", "pgsql")):
    os.environ.setdefault("SQLITE_TEST_NAME", _sqlite_test_file())
