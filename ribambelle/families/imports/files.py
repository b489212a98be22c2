"""The uploaded file between the preview and the confirmation: kept in the default storage
(private folder or object storage, never a process's memory) under a random name that includes
the manager's account, read back only if its SHA-256 is unchanged, deleted once confirmed or
replaced, and purged after FILE_LIFETIME when it was never confirmed."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from ribambelle.families.imports.parse import MAX_BYTES

# An uploaded file waits this long for its confirmation, then it is deleted.
FILE_LIFETIME = timedelta(hours=24)
FILE_FOLDER = "family-imports"


def file_name(municipality_id: int, user_id: int, token: str) -> str:
    return f"{FILE_FOLDER}/{municipality_id}/{user_id}-{token}.csv"


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_file_store(*, municipality_id: int, user_id: int, token: str, data: bytes) -> str:
    """Keep a checked file until its confirmation; older files of the municipality that were
    never confirmed go first."""
    import_files_purge(municipality_id=municipality_id)
    return default_storage.save(file_name(municipality_id, user_id, token), ContentFile(data))


def import_file_read(
    *, municipality_id: int, user_id: int, token: str, sha256: str
) -> bytes | None:
    """The file this manager stored under `token`, unchanged since, or None."""
    name = file_name(municipality_id, user_id, token)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as stored:
        data: bytes = stored.read(MAX_BYTES + 1)
    if not secrets.compare_digest(file_digest(data), sha256):
        return None
    return data


def import_file_delete(*, municipality_id: int, user_id: int, token: str) -> None:
    default_storage.delete(file_name(municipality_id, user_id, token))


def import_files_purge(*, municipality_id: int | None = None, now: datetime | None = None) -> int:
    """Delete the uploaded files older than FILE_LIFETIME (of one municipality, or of all):
    a confirmed import deletes its file at once, so these were abandoned after the preview.
    Returns how many were deleted."""
    limit = (now or timezone.now()) - FILE_LIFETIME
    try:
        folders = (
            [str(municipality_id)]
            if municipality_id is not None
            else default_storage.listdir(FILE_FOLDER)[0]
        )
    except FileNotFoundError:
        return 0
    deleted = 0
    for folder in folders:
        try:
            _subfolders, names = default_storage.listdir(f"{FILE_FOLDER}/{folder}")
        except FileNotFoundError:
            continue
        for name in names:
            path = f"{FILE_FOLDER}/{folder}/{name}"
            try:
                modified = default_storage.get_modified_time(path)
            except FileNotFoundError:
                continue  # confirmed or replaced meanwhile
            if modified < limit:
                default_storage.delete(path)
                deleted += 1
    return deleted
