"""Partner Place settings: every value comes from the environment.

Development (the default) runs on an SQLite file with tasks in-process and SMS written
to ``var/sms.jsonl``. ``PORTAL_MODE=production`` requires every secret and host
setting and refuses to start without them. See README.md, "Configuration".
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_float, env_int, env_int_list, env_list, env_str
from portal.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

MODE = env_str("PORTAL_MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured("PORTAL_MODE must be 'development' or 'production'.")
PRODUCTION = MODE == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production mode.")

SECRET_KEY = env_str(
    "SECRET_KEY",
    "development-only-key-not-for-production-use-0123456789abcdefghij",
    required=PRODUCTION,
)
# Rotation: the previous key stays here until the sessions and links it signed expire.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"], required=PRODUCTION)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address of the portal, used in SMS links.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000", required=PRODUCTION).rstrip("/")

INSTALLED_APPS = [
    # Django admin with the staff home (portal/admin_site.py).
    "portal.admin_apps.PortalAdminConfig",
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
    "allauth.socialaccount.providers.kakao",
    "simple_history",
    "portal",
    "portal.sms",
    "accounts",
    "courses",
    "membership",
]

MIDDLEWARE = [
    # /healthz and /readyz for probes, before host validation and the TLS redirect.
    "portal.health.HealthMiddleware",
    "portal.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # A file (not memory) so that a Celery worker started by the tests sees the test data.
    # One file per test process, so that two runs on one machine do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, cache, rate limits ------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production mode.")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database; with Redis each request reads its session from the
# cache and only writes (login, logout, changes) reach the database as well. Logging
# out deletes both copies; a password change or withdrawal ends every other session of
# the user because each request checks the session against the password hash.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Without Redis (the embedded default) tasks run in-process when they are queued.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must not hang when the broker is down: the outbox sweep sends later.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 0,
}
CELERY_TIMEZONE = "Asia/Seoul"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}  # filled in portal/schedule.py

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The seeds' password rule (8–16 characters with upper and lower case, a digit and a
# special character) is a deliberate business rule: see docs/accounts.md.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "accounts.validators.PartnerPasswordRuleValidator",
        "OPTIONS": {
            "min_length": env_int("PASSWORD_MIN_LENGTH", 8),
            "max_length": env_int("PASSWORD_MAX_LENGTH", 16),
        },
    },
    {"NAME": "accounts.validators.NotContainingIdValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {
    "login": "accounts.forms.PartnerLoginForm",
    "signup": "accounts.forms.PartnerSignupForm",
    "reauthenticate": "accounts.forms.PartnerReauthenticateForm",
}
SOCIALACCOUNT_FORMS = {"signup": "accounts.forms.KakaoSignupForm"}
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": env_str("LOGIN_RATE_LIMIT", "30/m/ip"),
    # SMS codes: resend once a minute and 5 times an hour per phone, and per IP.
    "sms_code": "1/m/key,5/h/key,10/m/ip,30/h/ip",
    # Typing codes and the steps of 비밀번호 설정 / 회원가입, per IP.
    "sms_code_check": "20/m/ip",
    "password_set_step": "30/m/ip",
    "signup_inquiry": "5/h/ip",
    # The name / birth date typed after a Kakao login, per IP and per phone.
    "kakao_confirm": "10/m/ip,5/h/key",
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_TIMEOUT", 600)
ACCOUNT_USERNAME_MIN_LENGTH = 1
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "kakao": {
        # accounts/kakao: Kakao's addresses below and its comma-separated scopes.
        "provider_class": "accounts.kakao.provider.PortalKakaoProvider",
        "SCOPE": ["name", "phone_number", "birthyear", "birthday"],
        "APPS": [
            {
                "client_id": env_str("KAKAO_CLIENT_ID", "development-kakao-client-id"),
                "secret": env_str("KAKAO_CLIENT_SECRET", "development-kakao-secret"),
            }
        ],
    }
}
# Kakao's OAuth addresses; the tests point them at a fake server on 127.0.0.1.
KAKAO_AUTHORIZE_URL = env_str("KAKAO_AUTHORIZE_URL", "https://kauth.kakao.com/oauth/authorize")
KAKAO_TOKEN_URL = env_str("KAKAO_TOKEN_URL", "https://kauth.kakao.com/oauth/token")
KAKAO_PROFILE_URL = env_str("KAKAO_PROFILE_URL", "https://kapi.kakao.com/v2/user/me")
if PRODUCTION:
    env_str("KAKAO_CLIENT_ID", required=True)
    env_str("KAKAO_CLIENT_SECRET", required=True)
ACCOUNTS_PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 180)
ACCOUNTS_PASSWORD_PROMPT_POSTPONE_DAYS = env_int("PASSWORD_PROMPT_POSTPONE_DAYS", 30)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "ko-kr"
LANGUAGES = [("ko", "한국어")]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Change history ---------------------------------------------------------------------
# A past version is read, never restored: every rule has its service (docs/admin.md,
# "Rules in admin, history and reviews").
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- SMS ------------------------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "portal.sms.backends.file.FileBackend")
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "sms.jsonl")))
SMS_SENDER = env_str("SMS_SENDER", "15330301")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "https://api.solapi.com")
SMS_GATEWAY_API_KEY = env_str("SMS_GATEWAY_API_KEY")
SMS_GATEWAY_API_SECRET = env_str("SMS_GATEWAY_API_SECRET")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 6)
SMS_SWEEP_AFTER_SECONDS = env_int("SMS_SWEEP_AFTER_SECONDS", 60)
SMS_BATCH_SIZE = env_int("SMS_BATCH_SIZE", 100)
# Gateway calls one worker process keeps in flight (they mostly wait on the network).
SMS_SEND_CONCURRENCY = env_int("SMS_SEND_CONCURRENCY", 4)
if PRODUCTION and SMS_BACKEND.endswith("SolapiBackend"):
    for _name in ("SMS_GATEWAY_API_KEY", "SMS_GATEWAY_API_SECRET"):
        env_str(_name, required=True)

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # The Kakao login form redirects to Kakao's authorize page.
        "form-action": [
            SELF,
            KAKAO_AUTHORIZE_URL.split("/oauth")[0],
            *env_list("CSP_FORM_ACTION_EXTRA"),
        ],
        "frame-ancestors": [NONE],
    }
}

# --- Product --------------------------------------------------------------------------
GUIDE_CENTRE_PHONE = env_str("GUIDE_CENTRE_PHONE", "1533-0301")

# Courses (courses.md): share of a video's duration that must really be watched, the
# reminder days before a deadline, and the limits of a progress report.
COURSES_COMPLETION_THRESHOLD = env_float("COURSES_COMPLETION_THRESHOLD", 0.9)
if not 0 < COURSES_COMPLETION_THRESHOLD <= 1:
    raise ImproperlyConfigured("COURSES_COMPLETION_THRESHOLD must be in (0, 1].")
COURSES_REMINDER_DAYS = env_int_list("COURSES_REMINDER_DAYS", [3, 1])
COURSES_REPORT_EVERY_SECONDS = env_int("COURSES_REPORT_EVERY_SECONDS", 5)
COURSES_MAX_PLAYBACK_RATE = env_float("COURSES_MAX_PLAYBACK_RATE", 2.0)
COURSES_REPORT_SLACK = env_float("COURSES_REPORT_SLACK", 10.0)
COURSES_OPEN_COURSE_DAYS = env_int("COURSES_OPEN_COURSE_DAYS", 30)
# Uploads with more valid rows are written by a worker, not within the web request.
COURSES_IMPORT_INLINE_ROWS = env_int("COURSES_IMPORT_INLINE_ROWS", 5000)
# Staff uploads (docs/admin.md, "Uploads and roster import"): a confirmation still
# running this long after it was asked for is failed (its worker died); a roster upload
# not confirmed within this many hours is deleted with its rows; roster files with more
# rows than this are confirmed by a worker.
UPLOADS_CONFIRM_TIMEOUT_MINUTES = env_int("UPLOADS_CONFIRM_TIMEOUT_MINUTES", 30)
ROSTER_IMPORT_KEEP_HOURS = env_int("ROSTER_IMPORT_KEEP_HOURS", 24)
ROSTER_IMPORT_INLINE_ROWS = env_int("ROSTER_IMPORT_INLINE_ROWS", 5000)

# --- Operations (docs/operations.md) ---------------------------------------------------
# Proxies of our own in front of the portal (TLS terminator, nginx): the client IP is
# read from X-Forwarded-For that many places from the right (portal/client_ip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# nginx's internal location for lesson files: Django checks access, nginx sends the
# file (X-Accel-Redirect). Empty: Django streams the file itself.
MEDIA_ACCEL_REDIRECT = env_str("MEDIA_ACCEL_REDIRECT")
# A scheduled job counts as missed when its due run has not started this long after.
JOBS_LATE_AFTER_SECONDS = env_int("JOBS_LATE_AFTER_SECONDS", 600)
# An outbox message due (or claimed) this long ago is stuck: readiness says so.
SMS_STUCK_AFTER_SECONDS = env_int("SMS_STUCK_AFTER_SECONDS", 600)

LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))

SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from portal.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", MODE),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )

from portal.schedule import BEAT_SCHEDULE  # noqa: E402

CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE
