"""Django settings, built only from mediamill's own settings (``mediamill.settings``).

Nothing here reads the environment directly: every value comes from a declared setting, so
``docs/settings.md`` stays the one list of what can be configured.
"""

from __future__ import annotations

from pathlib import Path

from mediamill import logs
from mediamill import settings as mediamill_settings
from mediamill.site.database import database_config
from mediamill.site.proxy import web_security
from mediamill.site.secret import secret_key

DATA_DIR: Path = mediamill_settings.get("MEDIAMILL_DATA_DIR").resolve()

SECRET_KEY = secret_key(mediamill_settings.get("MEDIAMILL_SECRET_KEY"), DATA_DIR)
DEBUG = False

_web = web_security(
    mediamill_settings.get("MEDIAMILL_PUBLIC_URL"), mediamill_settings.get("MEDIAMILL_BEHIND_PROXY")
)
ALLOWED_HOSTS = [*mediamill_settings.get("MEDIAMILL_ALLOWED_HOSTS"), _web.public_host]
SECURE_PROXY_SSL_HEADER = _web.proxy_ssl_header
CSRF_TRUSTED_ORIGINS = _web.trusted_origins
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _web.secure_cookies
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# Django's own check of form bodies, in step with the server's (mediamill.httpserver).
DATA_UPLOAD_MAX_MEMORY_SIZE = mediamill_settings.get("MEDIAMILL_MAX_REQUEST_BODY_KB") * 1024

# Every way a password is set (admin forms, `mediamill createuser`) goes through these.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password sign-ins are throttled after repeated failures (mediamill.accounts.signin).
AUTHENTICATION_BACKENDS = ["mediamill.accounts.signin.ThrottledModelBackend"]

DATABASES = {"default": database_config(mediamill_settings.get("DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mediamill.jobs",
    "mediamill.accounts",
    "mediamill.notifications",
    "mediamill.triggers",
    "mediamill.api",
    "mediamill.uploads",
    "mediamill.web",
    "mediamill.resizer",
]

MIDDLEWARE = [
    # First: every record of a request carries its ID, and every answer is counted.
    "mediamill.site.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's static files from the installed apps: no collectstatic step.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mediamill.web.security.ContentSecurityPolicyMiddleware",
]

# The web app's pages (mediamill.web).
LOGIN_URL = "web:signin"
LOGIN_REDIRECT_URL = "web:library"
LOGOUT_REDIRECT_URL = "web:signin"
_email_host = mediamill_settings.get("MEDIAMILL_EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if _email_host
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = _email_host
EMAIL_PORT = mediamill_settings.get("MEDIAMILL_EMAIL_PORT")
EMAIL_HOST_USER = mediamill_settings.get("MEDIAMILL_EMAIL_USER")
EMAIL_HOST_PASSWORD = mediamill_settings.get("MEDIAMILL_EMAIL_PASSWORD")
EMAIL_USE_TLS = mediamill_settings.get("MEDIAMILL_EMAIL_TLS")
DEFAULT_FROM_EMAIL = mediamill_settings.get("MEDIAMILL_EMAIL_FROM")

ROOT_URLCONF = "mediamill.site.urls"
WSGI_APPLICATION = "mediamill.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mediamill.web.context_processors.web",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = None  # whitenoise serves static files straight from the apps
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "mediamill": logs.formatter_config(mediamill_settings.get("MEDIAMILL_LOG_FORMAT"))
    },
    "filters": {"context": {"()": logs.ContextFilter}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "mediamill",
            "filters": ["context"],
        }
    },
    # Not propagated: a Celery worker's root handler would print every line twice.
    "loggers": {
        "mediamill": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # Celery's own records, in the same format (workers keep Celery off logging setup).
        "celery": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
