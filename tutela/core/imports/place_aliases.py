"""Place suggestions of an import's check, offered to be remembered as place aliases.

Both importers (5W and monitoring) put the areas they suggest for a place name they could not
read into the problem's `suggestion` as "P-code name, P-code name" (`place_suggestion_text`).
The check page lists each distinct name once (`place_suggestions`) with its candidate areas; an IMO
accepts one (or every suggestion at once) and `place_aliases_accept` remembers it as an alias of
the operation, so the next file is read without the question (`GazetteerIndex.by_alias`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tutela.core import access
from tutela.core.imports.problems import Problem
from tutela.core.models import Operation, User
from tutela.core.pcodes import AreaRef, GazetteerIndex, name_key
from tutela.core.services.place_aliases import place_aliases_accept

# Problem codes whose suggestion is a place that may become an alias: a name read fuzzily (5W),
# a name not known (both), a name found under another parent (monitoring).
PLACE_CODES = frozenset({"fuzzy_name", "unknown_name", "other_parent"})
_NAME_FIELD = re.compile(r"^admin([1-5])_name$")


def place_suggestion_text(areas: Iterable[AreaRef]) -> str:
    return ", ".join(f"{a.pcode} {a.name}" for a in areas)


@dataclass
class PlaceSuggestion:
    """One place name as written in the file, with the areas suggested for it."""

    field: str
    level: int
    value: str
    column: str
    rows: int = 0
    candidates: list[AreaRef] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> str:
        """The form field's name: the level and the name's key, never its position."""
        return f"place_{self.level}_{name_key(self.value)}"


def place_suggestions(
    problems: Iterable[Problem], gazetteer: GazetteerIndex
) -> list[PlaceSuggestion]:
    """Each distinct (level, name) of the place problems that carry a suggestion, with its
    candidate areas (those of the suggestion text still in the gazetteer), the most rows first."""
    found: dict[tuple[int, str], PlaceSuggestion] = {}
    for problem in problems:
        match = _NAME_FIELD.match(problem.field or "")
        if problem.code not in PLACE_CODES or match is None or not problem.suggestion:
            continue
        level = int(match.group(1))
        key = (level, name_key(problem.value))
        if not key[1]:
            continue
        item = found.get(key)
        if item is None:
            candidates = [
                area
                for area in (
                    gazetteer.by_pcode(part.strip().split(" ", 1)[0])
                    for part in problem.suggestion.split(",")
                    if part.strip()
                )
                if area is not None and area.level == level
            ]
            if not candidates:
                continue
            item = found[key] = PlaceSuggestion(
                field=problem.field,
                level=level,
                value=problem.value,
                column=problem.column,
                candidates=list(dict.fromkeys(candidates)),
            )
        item.rows += 1
    return sorted(found.values(), key=lambda s: (-s.rows, s.level, name_key(s.value)))


def suggestions_context(
    record: Any, *, operation: Operation, user: User, accept_url: str
) -> dict[str, Any]:
    """The check page's "remember these places" form: the place suggestions of the upload's
    problems, for the operation's managers (an alias holds for every organisation's files)."""
    if (
        not access.is_manager(user, operation)
        or record.status in ("pending", "imported")
        or not record.file
    ):
        return {"place_suggestions": []}
    gazetteer = GazetteerIndex.for_operation(operation)
    suggestions = place_suggestions(
        (Problem.from_dict(p) for p in (record.problems or [])), gazetteer
    )
    return {"place_suggestions": suggestions, "place_accept_url": accept_url}


def accept_posted(request: HttpRequest, record: Any, *, operation: Operation) -> int:
    """Remember the place suggestions accepted on the check page as aliases of the operation:
    the place chosen for each name, or with "accept" = "all" the first suggestion of every name
    left without a choice. The number of aliases saved."""
    access.require_manager(request.user, operation)
    gazetteer = GazetteerIndex.for_operation(operation)
    every = request.POST.get("accept") == "all"
    chosen: list[tuple[str, int, str]] = []
    problems = (Problem.from_dict(p) for p in (record.problems or []))
    for suggestion in place_suggestions(problems, gazetteer):
        pcode = request.POST.get(suggestion.key, "")
        allowed = {a.pcode for a in suggestion.candidates}
        if not pcode and every:
            pcode = suggestion.candidates[0].pcode
        if pcode in allowed:
            chosen.append((suggestion.value, suggestion.level, pcode))
    by = request.user if isinstance(request.user, User) else None
    place_aliases_accept(operation=operation, by=by, chosen=chosen, request=request)
    return len(chosen)


def accept_and_recheck(
    request: HttpRequest,
    record: Any,
    *,
    operation: Operation,
    detail: str,
    restart: Callable[[], Any],
) -> HttpResponse:
    """The check page's "remember these places" for both importers: the accepted suggestions
    saved as aliases (`accept_posted`), then the stored file checked again (`restart`, which
    returns the new upload) and its page (URL name `detail`) shown; nothing is restarted when no
    place was chosen or the choice is refused."""
    slug = operation.slug
    try:
        saved = accept_posted(request, record, operation=operation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(detail, slug=slug, pk=record.pk)
    if not saved:
        messages.info(request, _("No place was chosen."))
        return redirect(detail, slug=slug, pk=record.pk)
    messages.success(
        request,
        ngettext(
            "%(count)d place remembered; the file was checked again.",
            "%(count)d places remembered; the file was checked again.",
            saved,
        )
        % {"count": saved},
    )
    return redirect(detail, slug=slug, pk=restart().pk)
