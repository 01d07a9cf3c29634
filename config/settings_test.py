"""Settings for the test suite: same as production settings, with test keys and fast hashing."""

import os

os.environ.setdefault("TUTELA_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault(
    "TUTELA_FIELD_KEYS",
    # Two keys, so that rotation is exercised: the first encrypts, both decrypt.
    "dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LWs=,dGVzdC1rZXktdHdvLXRlc3Qta2V5LXR3by10ZXN0LWs=",
)
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from config.settings import *  # noqa: E402,F403
from config.settings import TASKS  # noqa: E402

# Argon2 at full cost makes every login in a test slow; the hasher itself is tested separately.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {**TASKS, "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    # Encrypted like production, kept in memory (tests of the disk and of S3 set their own).
    "default": {
        "BACKEND": "tutela.core.storage.EncryptedStorage",
        "OPTIONS": {"inner": {"BACKEND": "django.core.files.storage.InMemoryStorage"}},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_CLASSES": [],
    # The API reads JSON bodies (see settings.REST_FRAMEWORK).
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
ROOT_URLCONF = "config.urls_test"
