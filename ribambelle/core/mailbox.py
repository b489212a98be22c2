"""Development mailbox: in DEBUG, e-mails are written to MAILBOX_DIR as .eml files and listed
at /dev/courriels/, so that a user of the demo can follow the links they contain."""

import email
import email.policy
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.MAILBOX_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(
                message.message().as_bytes()
            )
        return len(email_messages)


@dataclass
class StoredEmail:
    ident: str
    sent_at: datetime
    to: str
    subject: str
    text: str


def _read(path: Path) -> StoredEmail:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = parsed.get_body(preferencelist=("plain",))
    return StoredEmail(
        ident=path.stem,
        sent_at=datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone()),
        to=str(parsed["To"]),
        subject=str(parsed["Subject"]),
        text=body.get_content() if body else "",
    )


def list_emails(limit: int = 100) -> list[StoredEmail]:
    folder = Path(settings.MAILBOX_DIR)
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [_read(path) for path in paths]


def get_email(ident: str) -> StoredEmail | None:
    if not ident.replace("-", "").isalnum():
        return None
    path = Path(settings.MAILBOX_DIR) / f"{ident}.eml"
    return _read(path) if path.is_file() else None
