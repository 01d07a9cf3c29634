from __future__ import annotations

from typing import Any, TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Belongs to one organisation; roles are per operation."""

    # Not a field: tutela.core.access keeps the user's roles here for the request's length.
    _tutela_role_map: dict[int, frozenset[str]]

    class EmailMode(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DIGEST = "digest", _("Daily digest")

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organisation"),
    )
    language = models.CharField(_("language"), max_length=8, default="en")
    email_mode = models.CharField(
        _("e-mail notifications"),
        max_length=10,
        choices=EmailMode.choices,
        default=EmailMode.IMMEDIATE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("server administrator"), default=False)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    # TOTP two-factor authentication; the shared secret is encrypted at rest.
    totp_secret = EncryptedTextField(blank=True, default="")
    totp_enabled = models.BooleanField(_("two-factor enabled"), default=False)
    totp_last_counter = models.BigIntegerField(default=0)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


# Who makes a request: a signed-in user or an anonymous visitor (a page open without signing in,
# an expired session). The access checks of tutela.core.access take a Visitor; services, which
# act for someone, take a `User` (views pass `current_user(request)`).
Visitor: TypeAlias = User | AnonymousUser


class Contact(models.Model):
    """An entry of the operation's contact directory: the cluster's most used list.

    A contact need not have an account. Phone and e-mail are personal data, encrypted at rest.
    """

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="contacts"
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = EncryptedTextField(_("e-mail"), blank=True, default="")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    bodies = models.ManyToManyField(
        "core.Body", blank=True, related_name="contacts", verbose_name=_("bodies attended")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__acronym", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class Invitation(models.Model):
    """An e-mailed invitation to join an operation with a role. Only a hash of the token is kept."""

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=200)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
