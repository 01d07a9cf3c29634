from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela.core.services.geography import (
    BUNDLED,
    DEFAULT_LANGUAGES,
    GeoLoadError,
    geo_load,
    geo_load_bundled,
)


class Command(BaseCommand):
    help = (
        "Load admin areas (P-codes, names, boundaries) from a gazetteer CSV and GeoJSON files "
        "(Tutela's format or OCHA COD-AB files as published), or a bundled country with "
        "--country MLI|COL|AFG. A bad file loads nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("geojson", nargs="*", type=Path, help="GeoJSON files (one per level)")
        parser.add_argument("--gazetteer", type=Path, help="CSV: pcode,name,level,parent_pcode")
        parser.add_argument(
            "--country", action="append", choices=sorted(BUNDLED), help="bundled country"
        )
        parser.add_argument(
            "--languages",
            default=",".join(DEFAULT_LANGUAGES),
            help="COD-AB files: the languages of the names to take, in order (e.g. fr,en)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = [geo_load_bundled(country=c) for c in options["country"] or []]
            if options["gazetteer"] or options["geojson"]:
                results.append(
                    geo_load(
                        gazetteer=options["gazetteer"],
                        geojson_files=options["geojson"],
                        languages=[
                            code.strip().lower()
                            for code in options["languages"].split(",")
                            if code.strip()
                        ],
                    )
                )
        except GeoLoadError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was loaded.") from exc
        if not results:
            raise CommandError("Nothing to load: give --country, --gazetteer or GeoJSON files.")
        for result in results:
            self.stdout.write(
                f"{result.created} areas created, {result.updated} updated, "
                f"{result.with_geometry} with boundaries."
            )
