"""PropDesk settings: everything that differs between machines comes from the environment."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from propdesk.env import env_bool, env_int, env_list, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = secret_key(VAR_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "core",
    "estate",
    "desk",
    "billing",
    "quality",
    "registrations",
    "renovation",
    "importer",
    "frontdesk",
    "duty",
    "safety",
    "community",
    "portal",
    "webhooks",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's own language, then the company's, before the browser's (core/language.py).
    "core.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a sign-in refused by the throttle into the lockout page (core/signin.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "propdesk.urls"
WSGI_APPLICATION = "propdesk.wsgi.application"

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
                "django.template.context_processors.i18n",
                "core.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'propdesk.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; a busy writer waits instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Our queries join a filtered request table to its lookups (project, room, people) by primary
    # key, in the order written; searching every join order cost more to plan (5 ms) than to run
    # (0.5 ms) on the 1M-request benchmark. See docs/decisions.md.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c join_collapse_limit=1"
    # Small result sets everywhere (pages are bounded); server-side cursors only add round trips
    # and don't survive a transaction-pooling pgbouncer.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # The hand-written hot statements (core/sql.py) are prepared on their second run on a
    # connection; the ORM's statements never are. Behind a pgbouncer in transaction mode without
    # `max_prepared_statements`, set DB_PREPARE_THRESHOLD=off.
    _prepare = env_str("DB_PREPARE_THRESHOLD", "2")
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None if _prepare == "off" else int(_prepare)
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "core.sessions.cached_db"  # the new key made at the first save (core/sessions)
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "propdesk",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "core.sessions.db"
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "propdesk",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": env_bool("HUEY_IMMEDIATE", False),
        "consumer": {"workers": 1, "worker_type": "thread"},
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sign-in throttling (django-axes, core/signin.py): after PROPDESK_SIGNIN_FAILURE_LIMIT failures for
# one account or from one address (PROPDESK_SIGNIN_LOCKOUT_BY), signing in is refused for
# PROPDESK_SIGNIN_LOCKOUT_MINUTES, counted from the last failure; refused attempts during a lockout do
# not prolong it. The tests turn it off (conftest.py) except the throttling tests.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in before any check
    # Django's, loading the user's company with them (its default language is read on every page).
    # Sessions signed in through django.contrib.auth.backends.ModelBackend before this sign in again.
    "core.backends.ModelBackend",
]
AXES_ENABLED = env_bool("PROPDESK_SIGNIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("PROPDESK_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PROPDESK_SIGNIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [[name] for name in env_list("PROPDESK_SIGNIN_LOCKOUT_BY", "username,ip_address")]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.signin.client_ip"
PROPDESK_PROXY_COUNT = env_int("PROPDESK_PROXY_COUNT", 0)  # trusted proxies in front (nginx: 1)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["propdesk.formats"]  # ISO dates in date inputs (see the module)
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: files go through a permission-checking view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads: images and PDFs only, each at most this many bytes.
PROPDESK_MAX_UPLOAD_BYTES = env_int("PROPDESK_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = PROPDESK_MAX_UPLOAD_BYTES + 1024 * 1024

PROPDESK_BASE_URL = env_str("PROPDESK_BASE_URL", "http://127.0.0.1:8000")
# The switchboard or masked-call gateway staff phones dial to reach a resident (core/calls.py):
# set, the call buttons ring it and no resident's number is revealed; empty, they ring the
# resident's own number and each call is logged as a reveal.
PROPDESK_CALL_THROUGH = env_str("PROPDESK_CALL_THROUGH", "")
# Outside notification channels (the in-app inbox is always on). Add e.g. an SMS sender here.
PROPDESK_NOTIFICATION_CHANNELS = env_list("PROPDESK_NOTIFICATION_CHANNELS", "core.notify.EmailChannel")
# The money side's online payments (billing/gateway.py): which gateway serves each method (the
# simulated development gateway until a real one is written) and the secret its callbacks are
# signed with (empty: one derived from SECRET_KEY). The simulated payer page is on only in DEBUG or
# with PROPDESK_SIMULATED_PAYMENTS=1.
BILLING_GATEWAYS = {"wechat": "billing.gateway.SimulatedGateway", "alipay": "billing.gateway.SimulatedGateway"}
BILLING_GATEWAY_SECRET = env_str("BILLING_GATEWAY_SECRET", "")
BILLING_SIMULATED_PAYMENTS = env_bool("PROPDESK_SIMULATED_PAYMENTS", DEBUG)

# Retries of outside deliveries: wait base, 2x, 4x ... seconds (capped), dead after MAX attempts.
PROPDESK_NOTIFY_MAX_ATTEMPTS = env_int("PROPDESK_NOTIFY_MAX_ATTEMPTS", 5)
PROPDESK_NOTIFY_RETRY_BASE = env_int("PROPDESK_NOTIFY_RETRY_BASE", 60)
PROPDESK_NOTIFY_RETRY_CAP = env_int("PROPDESK_NOTIFY_RETRY_CAP", 3600)
# SMS provider. Embedded default records instead of sending (core.notify.last_sms reads it);
# core.notify_providers.AliyunSms or core.notify_providers.TencentSms send for real.
PROPDESK_SMS_BACKEND = env_str("PROPDESK_SMS_BACKEND", "core.notify_providers.RecordingSms")
PROPDESK_SMS_KEY_ID = env_str("PROPDESK_SMS_KEY_ID", "")
PROPDESK_SMS_KEY_SECRET = env_str("PROPDESK_SMS_KEY_SECRET", "")
PROPDESK_SMS_SIGN_NAME = env_str("PROPDESK_SMS_SIGN_NAME", "")
PROPDESK_SMS_APP_ID = env_str("PROPDESK_SMS_APP_ID", "")  # Tencent SmsSdkAppId
PROPDESK_SMS_REGION = env_str("PROPDESK_SMS_REGION", "")  # Tencent region, default ap-guangzhou
PROPDESK_SMS_TEMPLATE = env_str("PROPDESK_SMS_TEMPLATE", "")  # general template with one ${content}
# WeChat official-account template messages (same idea: records by default).
PROPDESK_WECHAT_BACKEND = env_str("PROPDESK_WECHAT_BACKEND", "core.notify_providers.RecordingWeChat")
PROPDESK_WECHAT_APP_ID = env_str("PROPDESK_WECHAT_APP_ID", "")
PROPDESK_WECHAT_APP_SECRET = env_str("PROPDESK_WECHAT_APP_SECRET", "")

# Outgoing webhooks (webhooks/): a delivery's connect and read timeout in seconds; retries after
# base, 2x, 4x ... seconds (capped), dead after MAX_ATTEMPTS tries; an endpoint is switched off after
# DISABLE_AFTER failures in a row. ALLOW_PRIVATE lets URLs reach private, loopback and link-local
# addresses: development and the tests' local receiver only (server-side request forgery otherwise).
PROPDESK_WEBHOOK_TIMEOUT = env_int("PROPDESK_WEBHOOK_TIMEOUT", 5)
PROPDESK_WEBHOOK_RETRY_BASE = env_int("PROPDESK_WEBHOOK_RETRY_BASE", 30)
PROPDESK_WEBHOOK_RETRY_CAP = env_int("PROPDESK_WEBHOOK_RETRY_CAP", 6 * 3600)
PROPDESK_WEBHOOK_MAX_ATTEMPTS = env_int("PROPDESK_WEBHOOK_MAX_ATTEMPTS", 8)
PROPDESK_WEBHOOK_DISABLE_AFTER = env_int("PROPDESK_WEBHOOK_DISABLE_AFTER", 10)
PROPDESK_WEBHOOK_ALLOW_PRIVATE = env_bool("PROPDESK_WEBHOOK_ALLOW_PRIVATE", False)
PROPDESK_WEBHOOK_MAP_SECONDS = env_int("PROPDESK_WEBHOOK_MAP_SECONDS", 5)

# How often the supervisor's board polls its figures (desk/views_board.py), in seconds: 30–60 suits a desk.
PROPDESK_BOARD_REFRESH_SECONDS = env_int("PROPDESK_BOARD_REFRESH_SECONDS", 45)

# Embedded default: mail is written to files under var/mail/ (nothing leaves the machine);
# set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST etc. to send.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "propdesk@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.idempotency.Schema",  # documents Idempotency-Key on every POST
    "DEFAULT_FILTER_BACKENDS": ["core.filters.FilterBackend"],  # an invalid filter: 400 with its errors
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PropDesk API",
    "DESCRIPTION": "Service requests, rooms and residents of the customer service centre.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name "kind": name each enum after what it is.
    "ENUM_NAME_OVERRIDES": {
        "RequestKindEnum": "desk.choices.Kind",
        "ParcelKindEnum": "frontdesk.choices.ParcelKind",
        "RoomStateEnum": "estate.choices.RoomState",
        "BillStateEnum": "billing.choices.BillState",
        "EntryStateEnum": "billing.choices.EntryState",
        "EntryKindEnum": "billing.choices.EntryKind",
        "PaymentMethodEnum": "billing.choices.Method",
        "PointKindEnum": "safety.choices.PointKind",
        "IncidentKindEnum": "safety.choices.IncidentKind",
        "PatrolRunStateEnum": "safety.choices.RunState",
        "IncidentStateEnum": "safety.choices.IncidentState",
        "StopStateEnum": "safety.choices.StopState",
        "FindingStateEnum": "safety.choices.FindingState",
        "IncidentEntryKindEnum": "safety.choices.EntryKind",
        "DutyHandoverStateEnum": "duty.choices.HandoverState",
        "ResidentRelationEnum": "estate.choices.Relation",
        "MoveInRelationEnum": "registrations.choices.MoveInRelation",
        "MoveInStateEnum": "registrations.choices.MoveInState",
        "TransferStateEnum": "registrations.choices.TransferState",
        "KeyKindEnum": "registrations.choices.KeyKind",
        "AcceptanceStateEnum": "registrations.choices.HandoverState",
        "AcceptanceResultEnum": "registrations.choices.Result",
        "ApplicantRelationEnum": "frontdesk.choices.ApplicantRelation",
        "VisitStateEnum": "frontdesk.choices.VisitState",
        "RenovationStateEnum": "renovation.choices.State",
        "NoticeStateEnum": "community.choices.NoticeState",
        "ActivityStateEnum": "community.choices.ActivityState",
        "SignupStateEnum": "community.choices.SignupState",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # pypdf warns about every broken file it is shown; a refused upload is not worth a log line.
    "loggers": {"pypdf": {"level": "ERROR"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
