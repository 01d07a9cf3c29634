from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """An API token. Only a SHA-256 hash of its key is kept (the key itself is shown once, when
    it is issued), so a copy of the database does not give anyone access to the API.

    A token expires (`TUTELA_API_TOKEN_DAYS`) and can be revoked by its holder or by a manager of
    an operation the holder works in; revoking deletes the row and writes an audit entry.
    `second_factor` records whether the sign-in that issued it used the two-factor code: where an
    operation requires two-factor authentication for one of the holder's roles, only such tokens
    are accepted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the key, so that people can tell their tokens apart.
    key_prefix = models.CharField(_("token"), max_length=12)
    second_factor = models.BooleanField(_("issued with two-factor code"), default=False)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "expires_at"], name="apitoken_user_expiry")]

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
