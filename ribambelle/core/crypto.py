"""Secrets kept encrypted in the database (the payment providers' keys): a database dump or a
backup alone does not give them away.

The key comes from the environment, RIBAMBELLE_SECRETS_KEY: one or more comma-separated
passphrases, the first encrypts, every one decrypts (to rotate: put the new one first, save
each secret again, then drop the old one). Without it, a key derived from SECRET_KEY, so a
development set-up works as is; changing SECRET_KEY then makes the saved secrets unreadable.
Values are Fernet tokens (AES-128-CBC with HMAC-SHA256) marked with a prefix, so a value saved
before encryption existed is recognised and still read."""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "fernet:"


class SecretUnreadable(Exception):
    """An encrypted value that none of the configured keys opens (the key changed)."""


def _fernet(passphrase: str) -> Fernet:
    digest = hashlib.sha256(f"ribambelle-secrets:{passphrase}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    passphrases = tuple(getattr(settings, "SECRETS_KEYS", ()) or ()) or (settings.SECRET_KEY,)
    return _multi(passphrases)


@functools.lru_cache(maxsize=4)
def _multi(passphrases: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(passphrase) for passphrase in passphrases])


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def secret_encrypt(value: str) -> str:
    """The stored form of a secret; an empty value stays empty, an encrypted one as it is."""
    if not value or is_encrypted(value):
        return value
    return PREFIX + _keys().encrypt(value.encode()).decode("ascii")


def secret_decrypt(value: str) -> str:
    """The secret in clear; a value saved in clear (before encryption) is returned as it is.
    Raises SecretUnreadable when no configured key opens it."""
    if not is_encrypted(value):
        return value
    try:
        return _keys().decrypt(value[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, ValueError) as error:
        raise SecretUnreadable("no configured key decrypts this secret") from error
