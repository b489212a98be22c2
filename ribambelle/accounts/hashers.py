"""Password hashing: Django's Argon2id, on one lane."""

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    """Django's Argon2id with its time and memory costs (2 passes over 100 MiB), on one lane
    instead of eight. Guessing a password costs an attacker the same (passes times memory).
    What changes is the server: eight lanes run on eight threads, so one login took every core
    of the machine for its check, and under a rush the ticked cells waited behind it; gunicorn's
    sync workers serve one request each, and one lane keeps a login on one core. It also costs
    less CPU (225 ms against 294 ms here, without the threads' overhead) for a longer wall time
    (225 ms against 173 ms). A hash of eight lanes is still checked, and rewritten with one lane
    at the account's next login (Django's must_update)."""

    parallelism = 1
