"""ACLED-shaped exports built for the tests (ACLED's terms forbid committing a real export): the
legacy column schema (`data_id, iso, event_id_cnty, event_id_no_cnty, event_date` as
"15 March 2020" or "15-March-2020", numeric `inter1`) and the current one (ISO dates,
`disorder_type`, `civilian_targeting`, `inter1` as text, `tags`), with real Malian places,
ACLED's own (older) admin names and coordinates of the towns."""

from __future__ import annotations

import csv
import io
from typing import Any

LEGACY_HEADERS = [
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year",
    "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1",
    "actor2", "assoc_actor_2", "inter2", "interaction", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "timestamp", "iso3",
]  # fmt: skip
CURRENT_HEADERS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
INTER = {
    1: "State forces",
    2: "Rebel group",
    4: "Identity militia",
    5: "Rioters",
    6: "Protesters",
}
# admin1, admin2, admin3, location, latitude, longitude, event type, sub-event type, actor 1,
# inter1, fatalities. Admin names as ACLED writes them: Ménaka under Gao (before the 2016
# regions), "Segou" without its accent.
EVENTS: list[tuple[Any, ...]] = [
    ("Gao", "Menaka", "Menaka", "Menaka", 15.9182, 2.4022,
     "Violence against civilians", "Attack", "ISGS: Islamic State (Greater Sahara)", 2, 3),
    ("Mopti", "Bandiagara", "Bandiagara", "Bandiagara", 14.3500, -3.6100,
     "Violence against civilians", "Abduction/forced disappearance", "Dozo Communal Militia", 4, 0),
    ("Mopti", "Douentza", "Douentza", "Douentza", 15.0019, -2.9497,
     "Explosions/Remote violence", "Remote explosive/landmine/IED", "JNIM", 2, 2),
    ("Gao", "Ansongo", "Ouattagouna", "Ouattagouna", 15.1760, 0.7160,
     "Violence against civilians", "Sexual violence", "ISGS: Islamic State (Greater Sahara)", 2, 0),
    ("Segou", "Niono", "Niono", "Niono", 14.2526, -5.9929,
     "Strategic developments", "Agreement", "Military Forces of Mali (2021-)", 1, 0),
    ("Mopti", "Mopti", "Mopti", "Sevare", 14.5333, -4.0833,
     "Protests", "Peaceful protest", "Protesters (Mali)", 6, 0),
    ("Tombouctou", "Tombouctou", "Tombouctou", "Timbuktu", 16.7735, -3.0074,
     "Battles", "Armed clash", "Military Forces of Mali (2021-)", 1, 5),
    ("Kidal", "Kidal", "Kidal", "Kidal", 18.4411, 1.4078,
     "Strategic developments", "Looting/property destruction", "CSP-PSD", 2, 0),
    ("Gao", "Gao", "Gao", "Gao", 16.2666, -0.0400,
     "Riots", "Mob violence", "Rioters (Mali)", 5, 1),
    # Boni is a village, not a commune: found by its coordinates.
    ("Mopti", "Douentza", "Boni", "Boni", 15.0800, -1.9500,
     "Violence against civilians", "Attack", "JNIM", 2, 1),
    ("Mopti", "Mopti", "Mopti", "Mopti", 14.4843, -4.1827,
     "Strategic developments", "Arrests", "Police Forces of Mali (2021-)", 1, 0),
    ("Gao", "Gao", "Gao", "Gao", 16.2700, -0.0450,
     "Protests", "Excessive force against protesters", "Police Forces of Mali (2021-)", 1, 2),
]  # fmt: skip
LEFT_OUT = {"Agreement", "Peaceful protest", "Armed clash"}
MONTHS = ["January", "February", "March", "April", "May", "June"]


def _csv(headers: list[str], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def acled_rows(count: int, *, legacy: bool, start: int = 1000) -> list[dict[str, Any]]:
    rows = []
    for index in range(count):
        admin1, admin2, admin3, location, lat, lon, etype, sub, actor, inter, dead = EVENTS[
            index % len(EVENTS)
        ]
        day, month = 1 + index % 27, MONTHS[(index // len(EVENTS)) % len(MONTHS)]
        year = 2020 if legacy else 2024
        row: dict[str, Any] = {
            "event_id_cnty": f"MLI{start + index}",
            "year": year,
            "time_precision": 1,
            "event_type": etype,
            "sub_event_type": sub,
            "actor1": actor,
            "assoc_actor_1": "",
            "actor2": "Civilians (Mali)" if etype == "Violence against civilians" else "",
            "assoc_actor_2": "",
            "region": "Western Africa",
            "country": "Mali",
            "admin1": admin1,
            "admin2": admin2,
            "admin3": admin3,
            "location": location,
            "latitude": f"{lat:.4f}",
            "longitude": f"{lon:.4f}",
            "geo_precision": 1,
            "source": "Studio Tamani; Radio France Internationale",
            "source_scale": "National-International",
            "notes": f"On {day} {month} {year}, {actor} ({sub.lower()}) near {location}.",
            "fatalities": dead,
            "timestamp": 1600000000 + index,
        }
        if legacy:
            # Both forms of date seen in legacy exports.
            date = f"{day} {month} {year}" if index % 2 else f"{day:02d}-{month}-{year}"
            row.update(
                data_id=7000000 + index,
                iso=466,
                event_id_no_cnty=start + index,
                event_date=date,
                inter1=inter,
                inter2=7 if row["actor2"] else 0,
                interaction=inter * 10 + (7 if row["actor2"] else 0),
                iso3="MLI",
            )
        else:
            month_number = MONTHS.index(month) + 1
            row.update(
                event_date=f"{year}-{month_number:02d}-{day:02d}",
                disorder_type="Political violence",
                inter1=INTER[inter],
                inter2="Civilians" if row["actor2"] else "",
                interaction=f"{INTER[inter]}-civilians" if row["actor2"] else INTER[inter],
                civilian_targeting="Civilian targeting" if row["actor2"] else "",
                iso=466,
                tags="",
            )
        rows.append(row)
    return rows


def acled_legacy_csv(count: int = 36) -> bytes:
    return _csv(LEGACY_HEADERS, acled_rows(count, legacy=True))


def acled_current_csv(count: int = 36, start: int = 5000) -> bytes:
    return _csv(CURRENT_HEADERS, acled_rows(count, legacy=False, start=start))
