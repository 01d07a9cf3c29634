"""System checks run by `tutela check` (and `check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import models
from django.utils.functional import empty

from tutela.core.crypto import fernet
from tutela.core.storage import EncryptedStorage


@register(Tags.security, deploy=True)
def field_keys_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    try:
        fernet()
    except Exception as exc:  # noqa: BLE001  (any failure to build the cipher is the finding)
        errors.append(Error(str(exc), id="tutela.E001"))
    if not settings.DEBUG and settings.FIELD_ENCRYPTION_KEYS == [
        "ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtISE="
    ]:
        errors.append(
            Error("The development encryption key is in use in production.", id="tutela.E002")
        )
    return errors


@register(Tags.security)
def file_storage_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Uploaded files hold personal data: the default storage must encrypt them."""
    default = settings.STORAGES.get("default")
    backend = default.get("BACKEND", "") if isinstance(default, dict) else ""
    if backend != "tutela.core.storage.EncryptedStorage":
        return [
            Error(
                f"STORAGES['default'] is {backend or 'not set'}: uploaded files would be stored "
                "in clear. Use tutela.core.storage.EncryptedStorage (it wraps any backend).",
                id="tutela.E010",
            )
        ]

    errors = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField) and not isinstance(
                _resolved(field.storage), EncryptedStorage
            ):
                errors.append(
                    Error(
                        f"{model._meta.label}.{field.name} stores its files with "
                        f"{type(_resolved(field.storage)).__name__}: they would be kept in clear.",
                        hint="Leave `storage` unset: the default storage encrypts.",
                        id="tutela.E011",
                    )
                )
    return errors


def _resolved(storage: Any) -> Any:
    """The storage behind Django's lazy default_storage."""
    if hasattr(storage, "_setup") and getattr(storage, "_wrapped", None) is not None:
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage
