"""Tutela settings. Everything that differs between machines is read from the environment.

Environment variables (see README "Configuration"):
  TUTELA_DEBUG            "1" for development; off by default.
  TUTELA_SECRET_KEY       required when TUTELA_DEBUG is off.
  TUTELA_FIELD_KEYS       comma-separated Fernet keys for personal data at rest; the first encrypts,
                          all decrypt (key rotation: prepend a new key, run `tutela rotate_keys`).
  DATABASE_URL            default: SQLite file var/tutela.sqlite3 (WAL mode).
  TUTELA_ALLOWED_HOSTS    comma-separated; default localhost names.
  TUTELA_EMAIL_URL        smtp://user:pass@host:port (add ?tls=1 or ?ssl=1); default: console.
  TUTELA_DEFAULT_FROM     sender address.
  TUTELA_BASE_URL         absolute URL used in e-mails; default http://127.0.0.1:8000.
  TUTELA_HTTPS            "1" behind an HTTPS proxy: secure cookies, HSTS, redirect.
  TUTELA_MEDIA_STORAGE    "local" (default, VAR_DIR/media) or "s3" (TUTELA_S3_BUCKET, _ENDPOINT_URL,
                          _REGION, _PREFIX, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY); files encrypted.
  TUTELA_UPLOAD_RETENTION_HOURS  how long rejected or checked uploads are kept; default 48.
  TUTELA_BACKUP_RECIPIENTS  age public keys (comma-separated) that `tutela backup` encrypts to.
  TUTELA_SQLITE_BUSY_TIMEOUT  seconds a SQLite writer waits for the write lock; default 60.
  TUTELA_WEB_TIMEOUT      seconds a web request may run (gunicorn --timeout); default busy + 60.
  TUTELA_LOG_FORMAT       "json" for JSON lines (one object per log record); default text.
  TUTELA_LOG_LEVEL        level of Tutela's own loggers; default INFO.
  SENTRY_DSN              report errors to Sentry (or a compatible server); off when unset.
The `tutela` command and the web server read var/secrets.env first (tutela.core.startup).
  TUTELA_API_TOKEN_DAYS   how long an API token is valid; default 30.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TUTELA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive whole number (got “{value}”).")
    return int(value)


DEBUG = env_bool("TUTELA_DEBUG")

SECRET_KEY = os.environ.get("TUTELA_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "TUTELA_SECRET_KEY is not set. Production mode refuses to start without a secret key "
            "(set TUTELA_DEBUG=1 for a development server)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

FIELD_ENCRYPTION_KEYS = env_list("TUTELA_FIELD_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "TUTELA_FIELD_KEYS is not set. Personal data is encrypted at rest; production mode "
            "refuses to start without an encryption key (generate one with `tutela generate_key`)."
        )
    # A fixed development key: development data is not protected.
    FIELD_ENCRYPTION_KEYS = ["ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtISE="]

ALLOWED_HOSTS = env_list("TUTELA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
BASE_URL = os.environ.get("TUTELA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    # Before django_tasks_db: Tutela's `db_worker` command (heartbeat, lock back-off) replaces its.
    "tutela.core",
    "django_tasks_db",
    "axes",
    "tutela.activities",
    "tutela.monitoring",
    "tutela.coordination",
    "tutela.cases",
    "tutela.capacity",
    "tutela.planning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Light on the wire: gzip for pages, JSON and GeoJSON (BREACH: see tutela.core.compression),
    # then ETags and 304s for what may be cached.
    "tutela.core.compression.CompressionMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tutela.core.middleware.UserLanguageMiddleware",
    "tutela.core.middleware.TwoFactorMiddleware",
    "tutela.core.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Sets the cookie saying the browser was given the base stylesheet and script (first visit).
    "tutela.core.assets.AssetCookieMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a locked-out attempt is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tutela" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tutela.sqlite3'}"),
            conn_max_age=60,
        )
    }
except ValueError as exc:  # dj_database_url's UnknownSchemeError is a ValueError
    raise ImproperlyConfigured(f"DATABASE_URL cannot be used: {exc}") from exc
try:
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("TUTELA_SQLITE_BUSY_TIMEOUT") or 60)
except ValueError as exc:
    raise ImproperlyConfigured("TUTELA_SQLITE_BUSY_TIMEOUT must be a number of seconds.") from exc
# The longest a web request may run (gunicorn's --timeout under `tutela serve`): a page that needs
# a write may wait for SQLite's lock. An upload imported in a request and still pending after it
# was abandoned (its web worker killed; core.services.workers).
try:
    WEB_TIMEOUT = int(os.environ.get("TUTELA_WEB_TIMEOUT") or SQLITE_BUSY_TIMEOUT + 60)
except ValueError as exc:
    raise ImproperlyConfigured("TUTELA_WEB_TIMEOUT must be a number of seconds.") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the web server read while the task worker writes. A writer waits for the write
    # lock up to the busy timeout, longer than Tutela's longest write (an all-or-nothing import;
    # long rebuilds are done in chunks), so that lock contention delays work instead of failing
    # it (tutela.core.db_locks; README "Running as a service").
    DATABASES["default"]["OPTIONS"]["timeout"] = SQLITE_BUSY_TIMEOUT
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)};"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

# Each web process's own cache of computed figures (results and pooled blocks keyed on data
# versions: every write moves them on, so a cached value is never stale). Blocks are kept month
# by month (5W) and quarter by quarter (monitoring), per reader and table: far more, smaller
# entries than Django's default of 300 holds before culling the least recently used third.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": env_int("TUTELA_CACHE_ENTRIES", 3000)},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tutela.core.passwords.CharacterClassValidator"},
    # Repeats, sequences, keyboard rows, common words and the person's own name (zxcvbn).
    {"NAME": "tutela.core.passwords.GuessabilityValidator", "OPTIONS": {"min_score": 3}},
]

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Login throttling and lockout (django-axes): five failures lock the account and address pair,
# twenty the address whatever the accounts tried (tutela/core/lockout.py), for 30 minutes.
AXES_FAILURE_LIMIT = 5
LOCKOUT_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "tutela.core.lockout.AccountAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

# Sessions: closed with the browser, expire after 8 hours, and after 60 idle minutes.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT = 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

HTTPS = env_bool("TUTELA_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# A load balancer checks /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("TUTELA_CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: everything is served from our own origin. The only inline scripts and
# styles are our own static files inlined on a first visit (tutela.core.assets), allowed by the
# response's nonce; no inline event handler or style attribute is allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "tutela_language"
USE_I18N = True
# English short dates as "12 Oct 2026" (config/formats/en), never the US month-first order.
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True
TIME_ZONE = "UTC"
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "tutela" / "static"]
MEDIA_ROOT = VAR_DIR / "media"


# Uploads hold personal data: readable by the server's user only (tutela.core.startup fixes older
# installs).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700


def _media_storage() -> dict[str, object]:
    """Where uploaded files are kept (always encrypted, see tutela/core/storage.py): the local
    disk under MEDIA_ROOT, or an S3-compatible object store (README "Files and object storage")."""
    kind = os.environ.get("TUTELA_MEDIA_STORAGE", "local").strip().lower()
    if kind == "local":
        inner: dict[str, object] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(MEDIA_ROOT),
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    elif kind == "s3":
        bucket = os.environ.get("TUTELA_S3_BUCKET", "")
        if not bucket:
            raise ImproperlyConfigured("TUTELA_MEDIA_STORAGE=s3 needs TUTELA_S3_BUCKET.")
        inner = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "location": os.environ.get("TUTELA_S3_PREFIX", "media").strip("/"),
                "endpoint_url": os.environ.get("TUTELA_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("TUTELA_S3_REGION") or None,
                # Credentials: these variables, or boto3's own (AWS_ACCESS_KEY_ID, an instance
                # role, ~/.aws/credentials) when they are not set.
                "access_key": os.environ.get("TUTELA_S3_ACCESS_KEY_ID") or None,
                "secret_key": os.environ.get("TUTELA_S3_SECRET_ACCESS_KEY") or None,
                "default_acl": None,
                "file_overwrite": True,
                "querystring_auth": True,
                # The objects are cipher text, whatever their names say.
                "object_parameters": {"ContentType": "application/octet-stream"},
            },
        }
    else:
        raise ImproperlyConfigured("TUTELA_MEDIA_STORAGE must be local or s3.")
    return {"BACKEND": "tutela.core.storage.EncryptedStorage", "OPTIONS": {"inner": inner}}


STORAGES = {
    "default": _media_storage(),
    # Hashed names (app.3f2a1c.css) served with a year's immutable cache lifetime, and gzip/brotli
    # copies made once by collectstatic.
    "staticfiles": {"BACKEND": "tutela.core.staticfiles.ManifestStaticFilesStorage"},
}
# How long the file of an upload that was rejected or only checked is kept (encrypted) for its
# annotated problems workbook, the column mapping page and "import for real"; then deleted.
UPLOAD_RETENTION_HOURS = int(os.environ.get("TUTELA_UPLOAD_RETENTION_HOURS", "48"))
# age public keys (age1...) that `tutela backup` encrypts to; the private key is kept elsewhere.
BACKUP_RECIPIENTS = env_list("TUTELA_BACKUP_RECIPIENTS")
# Uploads being received are spooled to disk encrypted under a key held in memory only.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "tutela.core.upload_handlers.EncryptedTemporaryFileUploadHandler",
]
# Serve static files straight from the app folders in development (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG


def _email_settings(url: str) -> dict[str, object]:
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or 25,
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": query.get("tls", ["0"])[0] == "1",
        "EMAIL_USE_SSL": query.get("ssl", ["0"])[0] == "1",
        "EMAIL_TIMEOUT": 20,
    }


globals().update(_email_settings(os.environ.get("TUTELA_EMAIL_URL", "")))
DEFAULT_FROM_EMAIL = os.environ.get("TUTELA_DEFAULT_FROM", "Tutela <no-reply@tutela.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks: Django's tasks API (django-tasks backport) with a database-backed worker,
# so that no extra server is needed. Run the worker with `tutela db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Limits on reading uploaded tables (README "Limits on uploaded files"): what a file may hold, and
# what reading it may cost (it is read in a child process with these memory and time limits).
TUTELA_IMPORT_MAX_BYTES = env_int("TUTELA_IMPORT_MAX_MB", 50) * 1024 * 1024
TUTELA_IMPORT_MAX_ROWS = env_int("TUTELA_IMPORT_MAX_ROWS", 500_000)
TUTELA_IMPORT_MAX_COLUMNS = env_int("TUTELA_IMPORT_MAX_COLUMNS", 5_000)
TUTELA_IMPORT_MAX_CELLS = env_int("TUTELA_IMPORT_MAX_CELLS", 15_000_000)
TUTELA_IMPORT_MAX_UNZIPPED_BYTES = env_int("TUTELA_IMPORT_MAX_UNZIPPED_MB", 1024) * 1024 * 1024
TUTELA_IMPORT_PARSE_MEMORY_MB = env_int("TUTELA_IMPORT_PARSE_MEMORY_MB", 3072)
TUTELA_IMPORT_PARSE_SECONDS = env_int("TUTELA_IMPORT_PARSE_SECONDS", 300)
# Below gunicorn's 30-second worker timeout: a web worker is never killed waiting for a parse.
TUTELA_IMPORT_REQUEST_SECONDS = env_int("TUTELA_IMPORT_REQUEST_SECONDS", 20)
# A 5W save of this many rows or more is checked in a child process (within the limits above)
# that hands the checked rows over in chunks while this process saves them.
TUTELA_5W_CHECK_CHILD_MIN_ROWS = env_int("TUTELA_5W_CHECK_CHILD_MIN_ROWS", 10_000)

# Referrals to another Tutela (README "Referrals to another Tutela"): hosts allowed as a peer's
# address although they are not public (loopback, private network); empty, only public addresses.
TUTELA_PEER_ALLOWED_HOSTS = env_list("TUTELA_PEER_ALLOWED_HOSTS")
# Packages a peer may post to the inbox per minute (then 429 with Retry-After).
TUTELA_PEER_INBOX_PER_MINUTE = env_int("TUTELA_PEER_INBOX_PER_MINUTE", 120)
# Posts one client address (an IPv6 client by its /64) may make to the inbox per minute, counted
# before anything is parsed or verified (then 429 with Retry-After).
TUTELA_PEER_INBOX_PER_ADDRESS_PER_MINUTE = env_int("TUTELA_PEER_INBOX_PER_ADDRESS_PER_MINUTE", 300)
# How many reverse proxies in front of Tutela append the client's address to X-Forwarded-For.
# 0 (the default): the client is REMOTE_ADDR and X-Forwarded-For is ignored (anyone can send it).
# N: the client is the Nth address from the right of X-Forwarded-For (what the first of our proxies
# saw); set it only when every request goes through those proxies.
TUTELA_TRUSTED_PROXY_COUNT = env_int("TUTELA_TRUSTED_PROXY_COUNT", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tutela.core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only (the document upload and the token endpoint say otherwise): typed values
    # can then be checked as typed (tutela/core/api/contract.py).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "2000/hour"},
    "EXCEPTION_HANDLER": "tutela.core.api.errors.exception_handler",
}
# API tokens are stored as hashes and expire (tutela.core.services.api_tokens).
API_TOKEN_LIFETIME = datetime.timedelta(days=int(os.environ.get("TUTELA_API_TOKEN_DAYS", "30")))

SPECTACULAR_SETTINGS = {
    "TITLE": "Tutela API",
    "DESCRIPTION": "Protection Cluster information management. Token authentication: "
    "`Authorization: Token <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Error answers are documented once for every operation (tutela/core/api/errors.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tutela.core.api.errors.document_error_responses",
    ],
    # Choice sets used by several fields get one schema component each.
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": LANGUAGES,
        "TrainingSessionStatusEnum": "tutela.capacity.models.sessions.TrainingSession.Status",
        "KnowledgeTestKindEnum": "tutela.capacity.models.assessments.KnowledgeTest.Kind",
        "QuestionKindEnum": "tutela.capacity.models.courses.Question.Kind",
        "ParticipantSexEnum": "tutela.capacity.models.sessions.Participant.Sex",
        "ParticipantAgeBandEnum": "tutela.capacity.models.sessions.Participant.AgeBand",
        "CaseSexEnum": "tutela.cases.models.cases.Sex",
        "CaseAgeBandEnum": "tutela.cases.models.cases.AgeBand",
        "RolesEnum": "tutela.core.models.roles.Role",
        "ActionPointStatusEnum": "tutela.coordination.models.actions.ActionPoint.Status",
        "ActionPointEventKindEnum": "tutela.coordination.models.actions.ActionPointEvent.Kind",
        "AlertStatusEnum": "tutela.coordination.models.alerts.Alert.Status",
        "AlertKindEnum": "tutela.coordination.models.alerts.Alert.Kind",
        "MeetingStatusEnum": "tutela.coordination.models.meetings.Meeting.Status",
        "BodyKindEnum": "tutela.core.models.structure.Body.Kind",
        "MinutesStatusEnum": "tutela.coordination.models.meetings.Minutes.Status",
        "MeetingDocumentKindEnum": "tutela.coordination.models.meetings.MeetingDocument.Kind",
        "RecommendationStatusEnum": "tutela.coordination.models.advocacy.Recommendation.Status",
        "ClearanceStatusEnum": "tutela.coordination.models.advocacy.ClearanceDocument.Status",
        "ClearanceDocumentKindEnum": "tutela.coordination.models.advocacy.ClearanceDocument.Kind",
        # Case management adds a second "priority" choice set: both are named.
        "ActionPointPriorityEnum": "tutela.coordination.models.actions.ActionPoint.Priority",
        "CaseKindEnum": "tutela.cases.models.cases.Case.Kind",
        "AssessmentKindEnum": "tutela.cases.models.workflow.Assessment.Kind",
        "CaseFollowUpKindEnum": "tutela.cases.models.workflow.FollowUp.Kind",
        "ApprovalKindEnum": "tutela.cases.models.workflow.Approval.Kind",
        "ApprovalStatusEnum": "tutela.cases.models.workflow.Approval.Status",
        "ReviewStatusEnum": "tutela.cases.models.workflow.ReviewStatus",
        "TransferStatusEnum": "tutela.cases.models.workflow.Transfer.Status",
        "ReferralStatusEnum": "tutela.cases.models.referrals.Referral.Status",
        "ReferralPriorityEnum": "tutela.cases.models.referrals.Referral.Priority",
        "PeerStatusEnum": "tutela.cases.models.peers.Peer.Status",
        "PeerMessageStatusEnum": "tutela.cases.models.peers.PeerMessage.Status",
        "InboundReferralStatusEnum": "tutela.cases.models.peers.InboundReferral.Status",
        # Cash for protection: a second "status" and "purpose" choice sets.
        "CashAssistanceStatusEnum": "tutela.cases.models.cash.CashAssistance.Status",
        "CashInstalmentStatusEnum": "tutela.cases.models.cash.CashInstalment.Status",
        "SharingAgreementPurposeEnum": "tutela.cases.models.cash.SharingAgreement.Purpose",
        "ConsentPurposeEnum": "tutela.cases.models.consent.Consent.Purpose",
    },
}

# Logs, error reporting: tutela.core.observability (JSON lines with TUTELA_LOG_FORMAT=json;
# Sentry only when SENTRY_DSN is set).
from tutela.core.observability import logging_config, sentry_init  # noqa: E402

LOGGING = logging_config(
    json_lines=os.environ.get("TUTELA_LOG_FORMAT", "").strip().lower() == "json",
    level=os.environ.get("TUTELA_LOG_LEVEL", "INFO").strip().upper() or "INFO",
)
sentry_init(os.environ.get("SENTRY_DSN", "").strip(), debug=DEBUG)
