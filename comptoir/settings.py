"""Settings, all from the environment (12-factor), with an embedded default.

With no environment at all Comptoir runs on SQLite under ./var, so `make run` needs no
other server; DATABASE_URL switches to PostgreSQL for production and for the second
test run.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
# Default: var/ beside the package's folder (the repository, for `make run`), not the
# working directory, so a command run from elsewhere finds the same database.
VAR_DIR = Path(os.environ.get("COMPTOIR_VAR_DIR", BASE_DIR.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envdays(name: str, default: float) -> float:
    """A number of days above zero (fractions allowed); a wrong value stops every command
    at start rather than the nightly job that reads it."""
    value = os.environ.get(name, "").strip()
    try:
        days = float(value) if value else default
    except ValueError:
        days = -1.0
    if not 0 < days < float("inf"):
        raise ImproperlyConfigured(f"{name} must be a number of days above zero, not {value!r}.")
    return days


DEBUG = envbool("COMPTOIR_DEBUG", False)


def _secret_key() -> str:
    """COMPTOIR_SECRET_KEY, or a random key made once and kept in the var directory, so
    an instance started with no environment is never signed with a publicly known key."""
    if os.environ.get("COMPTOIR_SECRET_KEY"):
        return os.environ["COMPTOIR_SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import contextlib
        import secrets
        import tempfile

        # Written aside, then linked into place: two processes starting together on a new
        # var directory both read the one key that won, never a half-written file.
        fd, aside = tempfile.mkstemp(dir=VAR_DIR, prefix=".secret_key.")
        try:
            os.write(fd, secrets.token_urlsafe(50).encode())
            os.close(fd)
            os.chmod(aside, 0o600)
            with contextlib.suppress(FileExistsError):  # another process won
                os.link(aside, path)
        finally:
            os.unlink(aside)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("COMPTOIR_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("COMPTOIR_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("COMPTOIR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# ── Browser-facing security (docs/security.md, docs/deploy.md) ─────────────────────────
HTTPS = SITE_URL.startswith("https://")
# Behind a reverse proxy that terminates TLS (docs/deploy.md). Trust its
# X-Forwarded-Proto only when told to: a client could send that header itself.
if envbool("COMPTOIR_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# An https:// instance answers plain HTTP with a redirect and tells browsers to never try
# HTTP again (HSTS, sent on secure requests only); `make run` on http:// does neither.
# Behind a TLS proxy the redirect needs COMPTOIR_PROXY_SSL_HEADER, or every request
# would look like plain HTTP (core/checks.py says so).
SECURE_SSL_REDIRECT = envbool("COMPTOIR_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = envint("COMPTOIR_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("COMPTOIR_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("COMPTOIR_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: no inline script, style or event handler anywhere, no eval,
# nothing from another host, no framing. htmx reads its configuration from a <meta> tag
# (no inline indicator style, no eval); the reports' charts take their rules from a static
# stylesheet (reports/charts.py). The browser tests fail on any violation.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Cookies: only over HTTPS once the public address is https://, unless told otherwise;
# never readable by scripts (htmx sends the CSRF token from the page, not the cookie);
# not sent on cross-site subrequests or posts.
SESSION_COOKIE_SECURE = envbool("COMPTOIR_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "comptoir.core",
    "comptoir.accounts",
    "comptoir.catalog",
    "comptoir.workflows",
    "comptoir.sla",
    "comptoir.cmdb",
    "comptoir.tickets",
    "comptoir.search",
    "comptoir.billing",
    "comptoir.reports",
    "comptoir.notifications",
    "comptoir.web",
    "comptoir.console",
    "comptoir.portal",
    "comptoir.jobs",
    "comptoir.mailin",
    "comptoir.webhooks",
    "comptoir.api",
    "ninja",
    "django_htmx",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "comptoir.core.middleware.UserLanguageMiddleware",
    "comptoir.web.upload_limits.UploadLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "comptoir.urls"
WSGI_APPLICATION = "comptoir.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'comptoir.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_sqlite)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue up
    # instead of failing with "database is locked" when one upgrades a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("COMPTOIR_TEST_SQLITE") or None}
    # Keep connections: reopening the file runs the pragmas again and, when the last
    # connection closes, checkpoints the WAL; a worker doing it per task ran 2.7× slower
    # (docs/benchmarks.md).
    DATABASES["default"]["CONN_MAX_AGE"] = envint("COMPTOIR_CONN_MAX_AGE", 600)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = envint("COMPTOIR_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Identity (docs/decisions/0010-identity.md): django-allauth's login, logout, password change
# and reset, e-mail verification and two-factor authentication (TOTP and recovery codes).
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# Who may log in, tried in order. Comptoir's own accounts by username or e-mail; a directory
# backend (LDAP) goes in this list too. allauth's own backend is not needed: its login form
# hands the typed login to every backend as `username`.
AUTHENTICATION_BACKENDS = ["comptoir.accounts.backends.UsernameOrEmailBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id for every new or changed password; a PBKDF2 hash is rehashed with Argon2 at the
# person's next successful login (Django does it when the first hasher is not the hash's).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
INSTALLED_APPS += ["allauth", "allauth.account", "allauth.mfa"]
MIDDLEWARE += [
    "allauth.account.middleware.AccountMiddleware",
    "comptoir.accounts.middleware.StaffMfaMiddleware",
]
EMAIL_VERIFICATION_MODES = {"none", "optional", "mandatory"}
COMPTOIR_EMAIL_VERIFICATION = (
    os.environ.get("COMPTOIR_EMAIL_VERIFICATION", "").strip().lower() or "optional"
)
if COMPTOIR_EMAIL_VERIFICATION not in EMAIL_VERIFICATION_MODES:
    raise ImproperlyConfigured(
        "COMPTOIR_EMAIL_VERIFICATION must be none, optional or mandatory, "
        f"not {COMPTOIR_EMAIL_VERIFICATION!r}."
    )
# Agents, service managers and administrators without TOTP are sent to set it up first.
COMPTOIR_MFA_REQUIRED_FOR_STAFF = envbool("COMPTOIR_MFA_REQUIRED_FOR_STAFF", False)
ACCOUNT_ADAPTER = "comptoir.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
# allauth's own signup stays closed (the adapter); these fields only keep its checks and its
# login form (which shows a password field only when signup asks for one) consistent.
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = COMPTOIR_EMAIL_VERIFICATION
ACCOUNT_UNIQUE_EMAIL = True
# Addresses are the service desk's to change: one per person, which it can only verify.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_CHANGE_EMAIL = False
# No "remember me": the session cookie ends with the browser, and the server forgets the
# session after SESSION_COOKIE_AGE (COMPTOIR_SESSION_IDLE_SECONDS, below) without a request.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Comptoir] "
ACCOUNT_EMAIL_NOTIFICATIONS = True  # password changed, two-factor turned on or off…
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # a reset asked for an unknown address mails nobody
# Failed logins, counted in the cache (below): per client address and per typed login.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("COMPTOIR_LOGIN_FAILURE_RATE", "10/m/ip,5/5m/key").strip()
    or None
}
# Reverse proxies in front that append the client's address to X-Forwarded-For (0: the
# header is ignored): the address the rate limits count.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("COMPTOIR_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Comptoir"
MFA_ADAPTER = "comptoir.accounts.adapter.MFAAdapter"

LANGUAGE_CODE = os.environ.get("COMPTOIR_LANGUAGE", "fr")
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("COMPTOIR_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("COMPTOIR_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Attachments (docs/decisions/0007-attachment-storage.md): on S3-compatible storage when
# COMPTOIR_S3_BUCKET is set, else under MEDIA_ROOT. Either way no URL serves them: every
# download goes through the permission-checked view (comptoir/web/views.py), which
# streams the file from the storage.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("COMPTOIR_MEDIA_ROOT", VAR_DIR / "media"))
S3_ADDRESSING_STYLES = {"auto", "path", "virtual"}


def attachment_storage(env: Mapping[str, str]) -> dict[str, Any]:
    """The STORAGES["default"] entry for an environment; a function so a test can build
    the S3 entry for its own endpoint exactly as production would.

    Credentials: COMPTOIR_S3_ACCESS_KEY_ID and COMPTOIR_S3_SECRET_ACCESS_KEY when set
    (keys meant for Comptoir alone); otherwise none are given and boto3 looks for them
    the standard way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role).
    """
    bucket = env.get("COMPTOIR_S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    style = env.get("COMPTOIR_S3_ADDRESSING_STYLE", "").strip().lower() or "auto"
    if style not in S3_ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"COMPTOIR_S3_ADDRESSING_STYLE must be one of {sorted(S3_ADDRESSING_STYLES)}, "
            f"not {style!r}."
        )
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": env.get("COMPTOIR_S3_ENDPOINT_URL", "").strip() or None,
        "region_name": env.get("COMPTOIR_S3_REGION", "").strip() or None,
        "addressing_style": None if style == "auto" else style,
        # Private objects: no ACL is sent, so the bucket's own (private) policy applies,
        # and any URL the storage makes (the read-only admin's link) is signed and short.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        # Names are random tokens (tickets/models.py attachment_path): no existence check.
        "file_overwrite": True,
        # A download is spooled to a temporary file past 2 MB, not held in memory.
        "max_memory_size": 2 * 1024 * 1024,
    }
    key_id = env.get("COMPTOIR_S3_ACCESS_KEY_ID", "").strip()
    secret = env.get("COMPTOIR_S3_SECRET_ACCESS_KEY", "").strip()
    if bool(key_id) != bool(secret):
        raise ImproperlyConfigured(
            "Set both COMPTOIR_S3_ACCESS_KEY_ID and COMPTOIR_S3_SECRET_ACCESS_KEY, or neither."
        )
    if key_id:
        options |= {"access_key": key_id, "secret_key": secret}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": attachment_storage(os.environ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_AGE = envint("COMPTOIR_SESSION_IDLE_SECONDS", 15 * 60)
SESSION_SAVE_EVERY_REQUEST = True

# E-mail (docs/decisions/0008-mail.md). Outgoing mail leaves through the outbox: SMTP when
# COMPTOIR_SMTP_HOST is set; otherwise each message is written as an .eml file under
# <COMPTOIR_VAR_DIR>/mail/sent/, so a newcomer's `make run` can open and answer them.
DEFAULT_FROM_EMAIL = os.environ.get("COMPTOIR_FROM_EMAIL", "comptoir@localhost")
# The right-hand side of every Message-ID and thread id Comptoir writes.
COMPTOIR_MAIL_DOMAIN = (
    os.environ.get("COMPTOIR_MAIL_DOMAIN", "").strip()
    or DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >")
    or "localhost"
)
SMTP_SECURITY = {"none": {}, "starttls": {"use_tls": True}, "ssl": {"use_ssl": True}}
SMTP_DEFAULT_PORT = {"none": 25, "starttls": 587, "ssl": 465}


def mailer(env: Mapping[str, str], var_dir: Path) -> dict[str, Any]:
    """MAILERS["default"] for an environment; a function so a test can build it.

    COMPTOIR_EMAIL_BACKEND (a dotted class, e.g. Django's console backend) wins; then SMTP
    when COMPTOIR_SMTP_HOST is set; else the .eml files of the embedded default."""
    if env.get("COMPTOIR_EMAIL_BACKEND"):
        return {"BACKEND": env["COMPTOIR_EMAIL_BACKEND"]}
    host = env.get("COMPTOIR_SMTP_HOST", "").strip()
    if not host:
        return {
            "BACKEND": "comptoir.notifications.backends.EmlFileBackend",
            "OPTIONS": {"directory": str(var_dir / "mail" / "sent")},
        }
    port = env.get("COMPTOIR_SMTP_PORT", "").strip()
    security = env.get("COMPTOIR_SMTP_SECURITY", "").strip().lower()
    if not security:
        security = {"465": "ssl", "587": "starttls"}.get(port, "none")
    if security not in SMTP_SECURITY:
        raise ImproperlyConfigured(
            f"COMPTOIR_SMTP_SECURITY must be none, starttls or ssl, not {security!r}."
        )
    options: dict[str, Any] = {
        "host": host,
        "port": int(port) if port else SMTP_DEFAULT_PORT[security],
        "timeout": int(env.get("COMPTOIR_SMTP_TIMEOUT", "") or 30),
        **SMTP_SECURITY[security],
    }
    if env.get("COMPTOIR_SMTP_USER"):
        options["username"] = env["COMPTOIR_SMTP_USER"]
        options["password"] = env.get("COMPTOIR_SMTP_PASSWORD", "")
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


MAILERS = {"default": mailer(os.environ, VAR_DIR)}
# Largest incoming message accepted (the e-mail channel), in bytes.
COMPTOIR_MAX_INBOUND_BYTES = envint("COMPTOIR_MAX_INBOUND_BYTES", 30 * 1024 * 1024)

# Background work (docs/decisions/0005-background-work.md): django.tasks with the
# database-backed queue of django-tasks-db, so the embedded default needs no other server.
# COMPTOIR_TASKS_BACKEND=rq moves the queue to Redis (RQ, comptoir/jobs/rq.py) when the
# task volume outgrows polling a table; workers then run `comptoir worker` as before.
COMPTOIR_TASKS_BACKEND = os.environ.get("COMPTOIR_TASKS_BACKEND", "db").strip().lower() or "db"
if COMPTOIR_TASKS_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
elif COMPTOIR_TASKS_BACKEND == "rq":
    # Every queue named in TASKS must be in RQ_QUEUES; django-tasks-rq reads results
    # through the "default" queue's connection, so that one must always be there.
    TASKS = {"default": {"BACKEND": "comptoir.jobs.rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("COMPTOIR_REDIS_URL", "redis://127.0.0.1:6379/0"),
            # RQ kills a job after 180 s by default; the database queue never does, and
            # a prune or a report on a big instance may take longer.
            "DEFAULT_TIMEOUT": 3600,
        }
    }
    # RQ's own Job cannot run a Task object: every worker must use this job class.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    # Only with RQ: its admin page and checks need Redis and RQ_QUEUES.
    INSTALLED_APPS += ["django_rq"]
else:
    raise ImproperlyConfigured(
        f"COMPTOIR_TASKS_BACKEND must be 'db' or 'rq', not {COMPTOIR_TASKS_BACKEND!r}."
    )

# Retention (docs/deploy.md, "Retention"): days the daily pruning keeps the finished rows
# of tables that only grow; each app's retention.py says which rows are finished.
COMPTOIR_RETAIN_OUTBOX_DAYS = envdays("COMPTOIR_RETAIN_OUTBOX_DAYS", 90)
COMPTOIR_RETAIN_INBOUND_DAYS = envdays("COMPTOIR_RETAIN_INBOUND_DAYS", 180)
COMPTOIR_RETAIN_WEBHOOK_DAYS = envdays("COMPTOIR_RETAIN_WEBHOOK_DAYS", 30)
COMPTOIR_RETAIN_TOKENS_DAYS = envdays("COMPTOIR_RETAIN_TOKENS_DAYS", 90)

# TEN-4: external support mode, on by default for a provider.
COMPTOIR_EXTERNAL_SUPPORT_MODE = envbool("COMPTOIR_EXTERNAL_SUPPORT_MODE", True)
# TEN-4 option (000): the portal offers only the CIs of the user's own department.
COMPTOIR_CI_BY_DEPARTMENT = envbool("COMPTOIR_CI_BY_DEPARTMENT", False)
# TEN-5: self-registration with a customer number (a site's code) at /register/; False
# closes it for the whole instance (an organisation can also close it for its own sites).
COMPTOIR_REGISTRATION_OPEN = envbool("COMPTOIR_REGISTRATION_OPEN", True)
# Registration attempts per client address and period, so customer numbers cannot be
# guessed by trying them ("10/hour"; empty = unlimited; counted in the shared cache).
COMPTOIR_REGISTRATION_RATE = os.environ.get("COMPTOIR_REGISTRATION_RATE", "10/hour").strip()
# REST API (docs/decisions/0009-api.md): requests per token and period ("120/min"; empty =
# unlimited).
COMPTOIR_API_RATE = os.environ.get("COMPTOIR_API_RATE", "120/min")
# Failed authentications (wrong, revoked or expired tokens) per client address and period
# before every token call from that address gets 429 until the period has passed; empty =
# unlimited.
COMPTOIR_API_AUTH_FAILURE_RATE = os.environ.get("COMPTOIR_API_AUTH_FAILURE_RATE", "20/10min")
# Reverse proxies in front that append the client's address to X-Forwarded-For: 0 ignores
# the header (a client could write it) and counts REMOTE_ADDR.
COMPTOIR_PROXY_COUNT = envint("COMPTOIR_PROXY_COUNT", 0)

# The cache holds the API's rate-limit counters: it must be shared by every process and
# machine of the instance, or each gunicorn worker would count on its own. The database
# (table made by `comptoir createcachetable`, which `make run` and `serve` run) needs no
# other server; COMPTOIR_CACHE_URL=redis://… moves it to Redis.
_cache_url = os.environ.get("COMPTOIR_CACHE_URL", "").strip()
if _cache_url:
    if not _cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"COMPTOIR_CACHE_URL must be a Redis URL, not {_cache_url!r}.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "comptoir_cache",
        }
    }
# Largest attachment accepted, in bytes.
COMPTOIR_MAX_ATTACHMENT_BYTES = envint("COMPTOIR_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)
# Uploads (docs/deploy.md "Attachments"): how many files one form, API call or mail may
# carry and their total; a mail keeps the first that fit and notes the others.
COMPTOIR_MAX_ATTACHMENTS = envint("COMPTOIR_MAX_ATTACHMENTS", 10)
COMPTOIR_MAX_ATTACHMENTS_TOTAL_BYTES = envint(
    "COMPTOIR_MAX_ATTACHMENTS_TOTAL_BYTES", 50 * 1024 * 1024
)
# A request body over this is answered 413 before it is read (web/upload_limits.py).
COMPTOIR_MAX_REQUEST_BYTES = envint(
    "COMPTOIR_MAX_REQUEST_BYTES", COMPTOIR_MAX_ATTACHMENTS_TOTAL_BYTES + 5 * 1024 * 1024
)
# Refused by the name's extension and by what the bytes are (tickets/filetypes.py):
# programs, installers and scripts that Windows runs on a double click.
COMPTOIR_BLOCKED_ATTACHMENT_TYPES = envlist(
    "COMPTOIR_BLOCKED_ATTACHMENT_TYPES",
    "exe,dll,sys,drv,ocx,cpl,scr,com,pif,msi,msp,mst,msix,msixbundle,appx,appxbundle,"
    "bat,cmd,ps1,psm1,psd1,ps1xml,vbs,vbe,js,jse,wsf,wsh,wsc,hta,sct,jar,apk,lnk,reg,"
    "scf,inf,msc,gadget,application,appref-ms,elf,macho",
)
# Django's own limits, under the ones above so the actions' messages are the ones seen:
# form fields without files, files per request (beyond: a 400 page), and uploads kept in
# memory up to FILE_UPLOAD_MAX_MEMORY_SIZE (a temporary file beyond).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 2 * COMPTOIR_MAX_ATTACHMENTS
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COMPTOIR_LOG_LEVEL", "WARNING")},
}

# ── LDAP directory ─────────────────────────────────────────────────────────────────────
# TEN-7 (docs/decisions/0011-directory.md, docs/deploy.md "LDAP directory"). Off unless
# COMPTOIR_LDAP_URL is set, which needs the `ldap` extra (pip install 'comptoir[ldap]').
# Then people log in with their directory password (the directory backend goes FIRST; the
# local password stays the way in for people the directory does not know, and for everyone
# while it is down), are created or updated from their entry, and agents can look the
# directory up and import people from it.
COMPTOIR_LDAP_URL = os.environ.get("COMPTOIR_LDAP_URL", "").strip()
_ldap_attr = {
    "ATTR_LOGIN": os.environ.get("COMPTOIR_LDAP_ATTR_LOGIN", "uid"),
    "ATTR_EMAIL": os.environ.get("COMPTOIR_LDAP_ATTR_EMAIL", "mail"),
    "ATTR_FIRST_NAME": os.environ.get("COMPTOIR_LDAP_ATTR_FIRST_NAME", "givenName"),
    "ATTR_LAST_NAME": os.environ.get("COMPTOIR_LDAP_ATTR_LAST_NAME", "sn"),
    # The attribute holding a customer's site code (customer number); empty: none.
    "ATTR_SITE": os.environ.get("COMPTOIR_LDAP_ATTR_SITE", ""),
}
COMPTOIR_LDAP = {
    "BIND_DN": os.environ.get("COMPTOIR_LDAP_BIND_DN", ""),
    "BIND_PASSWORD": os.environ.get("COMPTOIR_LDAP_BIND_PASSWORD", ""),
    "USER_BASE": os.environ.get("COMPTOIR_LDAP_USER_BASE", ""),
    # Login: %(user)s is what the person typed, escaped.
    "USER_FILTER": os.environ.get("COMPTOIR_LDAP_USER_FILTER", "(|(uid=%(user)s)(mail=%(user)s))"),
    # Agents' lookup: %(term)s is what the agent typed, escaped.
    "LOOKUP_FILTER": os.environ.get(
        "COMPTOIR_LDAP_LOOKUP_FILTER",
        "(|({ATTR_LOGIN}=%(term)s*)({ATTR_EMAIL}=%(term)s*)({ATTR_LAST_NAME}=%(term)s*))".format(
            **_ldap_attr
        ),
    ),
    "START_TLS": envbool("COMPTOIR_LDAP_START_TLS", False),
    "CA_FILE": os.environ.get("COMPTOIR_LDAP_CA_FILE", ""),
    "TIMEOUT": envint("COMPTOIR_LDAP_TIMEOUT", 5),  # seconds, for connecting and each search
    "SIZE_LIMIT": envint("COMPTOIR_LDAP_SIZE_LIMIT", 10),  # entries per lookup
    # Group DNs (groupOfNames) whose members get a staff role; all empty: no mapping, and
    # a new directory person is a customer without site.
    "AGENT_GROUP": os.environ.get("COMPTOIR_LDAP_AGENT_GROUP", ""),
    "SERVICE_MANAGER_GROUP": os.environ.get("COMPTOIR_LDAP_SERVICE_MANAGER_GROUP", ""),
    "ADMIN_GROUP": os.environ.get("COMPTOIR_LDAP_ADMIN_GROUP", ""),
    **_ldap_attr,
}
if COMPTOIR_LDAP_URL:
    import importlib.util

    if not (importlib.util.find_spec("ldap") and importlib.util.find_spec("django_auth_ldap")):
        raise ImproperlyConfigured(
            "COMPTOIR_LDAP_URL is set but the ldap extra is missing: "
            "pip install 'comptoir[ldap]' (needs Debian's libldap2-dev and libsasl2-dev)."
        )
    AUTHENTICATION_BACKENDS = [
        "comptoir.accounts.ldap.DirectoryBackend",
        *(b for b in AUTHENTICATION_BACKENDS if b != "comptoir.accounts.ldap.DirectoryBackend"),
    ]
# ── end of the LDAP directory ──────────────────────────────────────────────────────────
