from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core.models import AdminArea, Operation, User
from tutela.core.models.roles import Role
from tutela.core.services.geography import BUNDLED, BUNDLED_DIR
from tutela.core.services.operations import operation_create


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _bundled_country_pcodes() -> dict[str, str]:
    """Bundled gazetteer (MLI, COL...) -> the P-code of its country (ML, CO...)."""
    result = {}
    for code, (gazetteer, _geojson) in BUNDLED.items():
        try:
            with (BUNDLED_DIR / gazetteer).open(encoding="utf-8-sig", newline="") as file:
                for row in csv.DictReader(file):
                    if (row.get("level") or "").strip() == "0":
                        result[code] = (row.get("pcode") or "").strip().upper()
                        break
        except OSError:
            continue
    return result


def _parse_labels(value: str) -> dict[str, str]:
    """ "1=Région,2=Cercle,3=Commune" -> {"1": "Région", "2": "Cercle", "3": "Commune"}."""
    labels = {}
    for item in _split(value):
        level, sep, label = item.partition("=")
        if not sep or not level.strip() or not label.strip():
            raise CommandError(
                f'--labels: “{item}” is not LEVEL=LABEL (e.g. --labels "1=Région,2=Cercle").'
            )
        labels[level.strip()] = label.strip()
    return labels


class Command(BaseCommand):
    help = (
        "Create an operation (a humanitarian response on this server) for one or more countries "
        "whose admin areas are loaded (see load_geo), and optionally name its first coordinator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="short name used in addresses: mali")
        parser.add_argument(
            "--name", required=True, help='full name: "Mali Protection Cluster 2026"'
        )
        parser.add_argument(
            "--country",
            action="append",
            required=True,
            metavar="PCODE",
            help="country P-code (admin level 0), e.g. ML; repeat for several countries",
        )
        parser.add_argument("--parent", metavar="SLUG", help="regional operation it belongs to")
        parser.add_argument(
            "--languages",
            default="",
            help="comma-separated language codes, e.g. fr,en (default: the default language)",
        )
        parser.add_argument(
            "--default-language",
            default="",
            help="language of the operation's products (default: the first of --languages, or en)",
        )
        parser.add_argument(
            "--labels",
            default="",
            help='names of the admin levels: "1=Région,2=Cercle,3=Commune"',
        )
        parser.add_argument(
            "--disclosure-threshold",
            type=int,
            default=5,
            help="counts below this are hidden in shared figures (2 to 50, default 5)",
        )
        parser.add_argument(
            "--require-2fa",
            default="",
            metavar="ROLES",
            help="comma-separated roles that must use two-factor authentication "
            f"({', '.join(Role.values)})",
        )
        parser.add_argument(
            "--coordinator", metavar="EMAIL", help="existing account to make cluster coordinator"
        )

    def _countries(self, codes: list[str]) -> list[AdminArea]:
        bundled = _bundled_country_pcodes()
        countries = []
        for raw in codes:
            code = raw.strip().upper()
            area = AdminArea.objects.filter(pcode=code).first()
            if area is None and code in bundled:
                # An ISO3 code of a bundled country (MLI) stands for its P-code (ML).
                area = AdminArea.objects.filter(pcode=bundled[code]).first()
            if area is None:
                iso3 = next((iso3 for iso3, pcode in bundled.items() if code in (iso3, pcode)), "")
                hint = (
                    f"load it first: tutela load_geo --country {iso3}"
                    if iso3
                    else "load its admin areas first: tutela load_geo --gazetteer FILE.csv "
                    f"(bundled countries: tutela load_geo --country {'|'.join(sorted(BUNDLED))})"
                )
                raise CommandError(f"Unknown country P-code “{raw}”: {hint}.")
            if area.level != 0:
                raise CommandError(
                    f"“{area.pcode}” ({area.name}) is an admin level {area.level} area, "
                    "not a country: give the country's P-code (admin level 0)."
                )
            countries.append(area)
        return countries

    def handle(self, *args: Any, **options: Any) -> None:
        countries = self._countries(options["country"])
        parent = None
        if options["parent"]:
            parent = Operation.objects.filter(slug=options["parent"].strip()).first()
            if parent is None:
                known = ", ".join(Operation.objects.values_list("slug", flat=True)) or "none"
                raise CommandError(
                    f"Unknown parent operation “{options['parent']}” (existing: {known})."
                )
        coordinator = None
        if options["coordinator"]:
            email = options["coordinator"].strip()
            coordinator = User.objects.filter(email__iexact=email).first()
            if coordinator is None:
                raise CommandError(
                    f"No account with the e-mail address “{email}”. Create it first (e.g. "
                    "tutela createsuperuser), or leave out --coordinator and invite the "
                    "coordinator from the operation's Users page."
                )
        languages = [code.lower() for code in _split(options["languages"])]
        default_language = options["default_language"].strip().lower()
        if not default_language:
            default_language = languages[0] if languages else settings.LANGUAGE_CODE[:2]
        if not languages:
            languages = [default_language]
        try:
            operation = operation_create(
                by=None,
                slug=options["slug"],
                name=options["name"],
                countries=countries,
                languages=languages,
                default_language=default_language,
                admin_level_labels=_parse_labels(options["labels"]),
                parent=parent,
                disclosure_threshold=options["disclosure_threshold"],
                require_2fa_roles=_split(options["require_2fa"]),
                coordinator=coordinator,
            )
        except ValidationError as error:
            lines = [
                f"  {field}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
            raise CommandError("The operation was not created:\n" + "\n".join(lines)) from error

        self.stdout.write(f"Created operation “{operation.name}” ({operation.slug})")
        if parent is not None:
            self.stdout.write(f"  part of: {parent.name} ({parent.slug})")
        self.stdout.write("  countries: " + ", ".join(f"{c.pcode} {c.name}" for c in countries))
        self.stdout.write(
            f"  languages: {', '.join(operation.languages)} (default {operation.default_language})"
        )
        if operation.admin_level_labels:
            self.stdout.write(
                "  admin levels: "
                + ", ".join(f"{k}={v}" for k, v in operation.admin_level_labels.items())
            )
        self.stdout.write(f"  small-count threshold: {operation.disclosure_threshold}")
        if operation.require_2fa_roles:
            self.stdout.write(
                f"  two-factor required for: {', '.join(operation.require_2fa_roles)}"
            )
        if coordinator is not None:
            self.stdout.write(f"  coordinator: {coordinator.email}")
        else:
            self.stdout.write(
                "  no coordinator yet: a server administrator invites one from "
                f"/o/{operation.slug}/users/."
            )
