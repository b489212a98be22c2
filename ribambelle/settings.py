"""Ribambelle settings: every deployment-specific value comes from the environment through
`ribambelle.core.env.Env`; the README lists each variable with its default."""

from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from ribambelle.core.env import Env

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("RIBAMBELLE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Environment variable SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"  # noqa: S105
# Encrypts the payment providers' keys at rest (ribambelle.core.crypto): one or more
# comma-separated passphrases, the first encrypts; without it, a key derived from SECRET_KEY.
SECRETS_KEYS = env.list("RIBAMBELLE_SECRETS_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "ribambelle.core",
    "ribambelle.tenants",
    "ribambelle.accounts",
    "ribambelle.families",
    "ribambelle.bookings",
    "ribambelle.billing",
    "ribambelle.debits",
    "ribambelle.treasury",
    "ribambelle.documents",
    "ribambelle.messaging",
    "ribambelle.portal",
    "ribambelle.backoffice",
    "ribambelle.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, handing the backend the user the session store read with the session.
    "ribambelle.accounts.sessions.AuthenticationMiddleware",
    # Signed-in devices: binds a session to its browser, notes its last use every few minutes.
    "ribambelle.accounts.middleware.DeviceSessionMiddleware",
    # After authentication (it reads request.user), below WhiteNoise (static files untouched).
    "ribambelle.core.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ribambelle.tenants.middleware.MunicipalityMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ribambelle.urls"
# `manage.py bench --http` only: the gunicorn it starts serves the project's URLs plus one trivial
# view, /_bench/baseline/ (ribambelle/demo/bench/urls.py), the floor the pages are measured
# against. Off by default; it adds nothing but a view answering "ok" to anyone.
if env.bool("RIBAMBELLE_BENCH_URLCONF", False):
    ROOT_URLCONF = "ribambelle.demo.bench.urls"
WSGI_APPLICATION = "ribambelle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ribambelle.portal.context_processors.shell",
            ],
        },
    },
]

# Database: SQLite file by default (WAL mode), any dj-database-url URL otherwise.
DATABASE_URL = env.str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ribambelle.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env.int("DB_CONN_MAX_AGE", 60))
except ValueError as exc:
    raise ImproperlyConfigured(f"Environment variable DATABASE_URL: {exc}") from None
# PostgreSQL: server-side binding and psycopg's prepared statements, a query run this many
# times on a connection is planned once (0 turns both off, as Django's default). Planning was
# most of the server's time of a family page: 1.6 of 2.2 ms for the portal's home, and the
# pages were 5 to 22 % faster with it (issue 15, docs/performance.md). Set 0 behind a pooler in
# transaction mode (PgBouncer), where a connection's prepared statements are not the session's.
DB_PREPARE_THRESHOLD = env.int("DB_PREPARE_THRESHOLD", 2, minimum=0)
if _db["ENGINE"].endswith("postgresql") and DB_PREPARE_THRESHOLD:
    _db.setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=DB_PREPARE_THRESHOLD
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Kept open between requests like any other database: opening the file and running the
    # PRAGMAs below cost 1.4 ms per request, a tenth of a family page (issue 15). A worker's
    # connection holds no lock between requests (autocommit, WAL).
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME") or None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared between app servers), local memory otherwise.
REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ribambelle.accounts.backends.MunicipalityEmailBackend",
]
PASSWORD_HASHERS = [
    # Django's Argon2id on one lane: a login's check takes one core, not all (accounts/hashers.py).
    "ribambelle.accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "ribambelle.accounts.validators.CnilPasswordValidator"},
]
# Password links (first connection and reset) live 24 hours.
PASSWORD_RESET_TIMEOUT = 24 * 3600
LOGIN_URL = "root"
CSRF_FAILURE_VIEW = "ribambelle.portal.views.csrf_failure"
# E-mail is unique per municipality, not globally: uniqueness is a composite constraint.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# Database sessions with their account, read with it in one statement (accounts/sessions.py).
SESSION_ENGINE = "ribambelle.accounts.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", 4 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True

# django-axes: lock an account from one address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "ribambelle.accounts.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ribambelle.accounts.views.lockout_response"
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "ribambelle.accounts.backends.client_ip"
AXES_ENABLED = env.bool("AXES_ENABLED", True)
# Never store what people typed in these fields in axes' access log.
AXES_SENSITIVE_PARAMETERS = [
    "password",
    "current_password",
    "password_confirm",
    "generated",
    "sentence",
]
# Failed logins within one hour: per account from every address, per address on every account.
LOGIN_LIMIT_PER_ACCOUNT = env.int("LOGIN_LIMIT_PER_ACCOUNT", 20, minimum=1)
LOGIN_LIMIT_PER_IP = env.int("LOGIN_LIMIT_PER_IP", 100, minimum=1)
# Requests for a password link: per address and per e-mail, within one hour.
PASSWORD_LINK_LIMIT_PER_EMAIL = env.int("PASSWORD_LINK_LIMIT_PER_EMAIL", 3, minimum=1)
PASSWORD_LINK_LIMIT_PER_IP = env.int("PASSWORD_LINK_LIMIT_PER_IP", 20, minimum=1)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "ribambelle" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(VAR_DIR / "private")))

STORAGE_BACKEND = env.choice("STORAGE_BACKEND", ("local", "s3"), "local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET", required=True),
            "endpoint_url": env.str("S3_ENDPOINT_URL") or None,
            "region_name": env.str("S3_REGION") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    # Private folder: never under STATIC_ROOT, never served directly by the web server.
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background work: inline for the demo and tests, a database queue (db_worker) in production,
# where a request never waits for an e-mail (and its timing says nothing about the account).
TASKS_BACKEND = env.choice(
    "TASKS_BACKEND", ("immediate", "database"), "immediate" if DEBUG else "database"
)
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TASKS_BACKEND == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# E-mail: SMTP in production; in DEBUG the development mailbox (var/mailbox, /dev/courriels/).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Ribambelle <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_MODE = env.choice(
    "EMAIL_MODE", ("mailbox", "smtp", "console"), "mailbox" if DEBUG else "smtp"
)
if EMAIL_MODE == "smtp":
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env.str("EMAIL_HOST", "localhost"),
            "port": env.int("EMAIL_PORT", 25, minimum=1),
            "username": env.str("EMAIL_HOST_USER"),
            "password": env.str("EMAIL_HOST_PASSWORD"),
            "use_tls": env.bool("EMAIL_USE_TLS", False),
            "use_ssl": env.bool("EMAIL_USE_SSL", False),
            "timeout": 30,
        },
    }
elif EMAIL_MODE == "console":
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
else:
    _mailer = {"BACKEND": "ribambelle.core.mailbox.MailboxBackend"}
MAILERS = {"default": _mailer}
MAILBOX_DIR = VAR_DIR / "mailbox"

# An online payment without a final answer from its provider for this long is shown to staff
# ("Paiements en attente") and e-mailed once to the municipality.
PAYMENT_PENDING_ALERT_MINUTES = env.int("PAYMENT_PENDING_ALERT_MINUTES", 60, minimum=5)

# Web Push (VAPID, RFC 8292): `manage.py vapid_keys` prints a pair. Without keys, notifications
# are not offered.
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env.str("VAPID_SUBJECT") or f"mailto:{parseaddr(DEFAULT_FROM_EMAIL)[1]}"
# The push services of the browsers (a subscription's endpoint must be under one of them).
PUSH_SERVICE_HOSTS = env.list(
    "PUSH_SERVICE_HOSTS",
    [
        "fcm.googleapis.com",
        "push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
    ],
)

# Content Security Policy (Django's built-in middleware): no inline script, no third party.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env.bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint and its font library log every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
