from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.models.roles import Role


class Operation(models.Model):
    """A humanitarian response coordinated on this server ("Mali Protection Cluster 2026").

    A regional platform nests national operations through `parent`; a role in the parent operation
    gives read access across its children.
    """

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent operation"),
    )
    countries = models.ManyToManyField(
        "core.AdminArea",
        related_name="operations",
        limit_choices_to={"level": 0},
        blank=True,
        verbose_name=_("countries"),
    )
    # Language codes the operation publishes in, e.g. ["fr", "en"].
    languages = models.JSONField(_("languages"), default=list, blank=True)
    default_language = models.CharField(_("default language"), max_length=8, default="en")
    # Labels of admin levels in the operation's language: {"1": "Région", "2": "Cercle", ...}.
    admin_level_labels = models.JSONField(_("admin level labels"), default=dict, blank=True)
    # Counts below this are suppressed in anything shared beyond the owning organisation.
    disclosure_threshold = models.PositiveSmallIntegerField(
        _("small-count threshold"),
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
    )
    # Roles whose holders must use two-factor authentication in this operation.
    require_2fa_roles = models.JSONField(_("roles requiring two-factor"), default=list, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:

        codes = {code for code, _label in settings.LANGUAGES}
        unknown = [lang for lang in self.languages if lang not in codes]
        if unknown:
            raise ValidationError(
                {"languages": _("Unknown language code(s): %s") % ", ".join(unknown)}
            )
        if self.default_language not in codes:
            raise ValidationError({"default_language": _("Unknown language code.")})
        bad_roles = [r for r in self.require_2fa_roles if r not in Role.values]
        if bad_roles:
            raise ValidationError(
                {"require_2fa_roles": _("Unknown role(s): %s") % ", ".join(bad_roles)}
            )
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("An operation cannot be its own ancestor.")})
            ancestor = ancestor.parent

    def level_label(self, level: int) -> str:
        label = self.admin_level_labels.get(str(level))
        if label:
            return str(label)
        return str(_("Admin %(level)d") % {"level": level})
