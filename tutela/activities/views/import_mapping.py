"""The 5W column-mapping page of an upload that is not Tutela's template: each column to a field
(or summed, or ignored, or a constant for every row), every distinct value of a coded column with
its count and suggestion, and the mapping saved for the next file."""

from __future__ import annotations

import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tutela.activities.forms import CONSTANT_FIELDS, MappingForm
from tutela.activities.models import Activity, ActivityReport, ImportRecord
from tutela.activities.models import fields as fivew
from tutela.activities.services import imports as import_services
from tutela.activities.validation import POPULATION_SYNONYMS
from tutela.activities.validation.synonyms import (
    MODALITY_SYNONYMS,
    STATUS_SYNONYMS,
    choice_lookup,
)
from tutela.activities.views.imports import record_for, reporting_operation
from tutela.activities.views.reporting import (
    current_user,
    page,
)
from tutela.core import access
from tutela.core.forms.directory import apply_validation_error
from tutela.core.imports import pages as import_pages
from tutela.core.imports import sharing_pages, value_lists
from tutela.core.imports.problems import ImportFileError
from tutela.core.models import Operation, PopulationGroup
from tutela.core.pcodes import name_key

# --- column mapping ------------------------------------------------------------------------------


def _known_keys(operation: Operation) -> dict[str, set[str]]:
    """Values the importer recognises without a value mapping (codes and names)."""
    activities: set[str] = set()
    for code, en, fr, es in Activity.objects.filter(operation=operation).values_list(
        "code", "name_en", "name_fr", "name_es"
    ):
        activities |= {name_key(code), name_key(en), name_key(fr), name_key(es or "")}
    groups: set[str] = set()
    for code, en, fr, es, hxl in PopulationGroup.objects.filter(operation=operation).values_list(
        "code", "name_en", "name_fr", "name_es", "hxl_attribute"
    ):
        groups |= {name_key(code), name_key(en), name_key(fr), name_key(es or ""), name_key(hxl)}
        groups |= {name_key(s) for s in POPULATION_SYNONYMS.get(code.upper(), ())}
    return {
        "activity": activities - {""},
        "population_group": groups - {""},
        "status": set(choice_lookup(ActivityReport.Status.choices, STATUS_SYNONYMS)),
        "modality": set(choice_lookup(ActivityReport.Modality.choices, MODALITY_SYNONYMS)),
    }


# Coded fields whose words the mapping page asks about (every coded field of the 5W row but the
# organisation, which partners do not choose).
VALUE_FIELDS = ("activity", "population_group", "status", "modality")


def _posted_columns(data: Any, count: int) -> dict[int, str]:
    """column index -> field, as chosen on the mapping form."""
    return {i: data.get(f"col_{i}", "") for i in range(count) if data.get(f"col_{i}")}


def _distinct(table: Any, index: int) -> list[tuple[str, int]]:
    """Every distinct value of the column with its count, the most frequent first."""
    return value_lists.distinct_counts(
        cells[index] if index < len(cells) else None for _number, cells in table.rows
    )


def _value_choices(operation: Operation) -> dict[str, list[tuple[str, str]]]:
    return {
        "activity": [
            (a.code, f"{a.code} — {a.name}")
            for a in Activity.objects.filter(operation=operation, is_active=True).order_by("code")
        ],
        "population_group": [
            (g.code, f"{g.code} — {g.name}")
            for g in PopulationGroup.objects.filter(operation=operation).order_by("code")
        ],
        "status": [(str(v), str(label)) for v, label in ActivityReport.Status.choices],
        "modality": [(str(v), str(label)) for v, label in ActivityReport.Modality.choices],
    }


def _constant_choices(operation: Operation, *, manager: bool) -> dict[str, list[tuple[str, str]]]:
    """Values a mapping may give every row of a field the file lacks; the organisation only for
    managers (partners import for their own)."""
    choices = _value_choices(operation)
    out: dict[str, list[tuple[str, str]]] = {}
    for name in CONSTANT_FIELDS:
        if name == "organisation":
            if manager:
                out[name] = [
                    (o.acronym, f"{o.acronym} — {o.name}")
                    for o in operation.organisations.order_by("acronym")
                ]
        else:
            out[name] = choices[name]
    return out


def mapping_value_codes(operation: Operation, *, manager: bool) -> dict[str, set[str]]:
    """The fields a saved mapping's value table may be given for, with their codes: the coded
    fields the mapping page asks about, and the constants (the organisation for managers)."""
    return sharing_pages.value_codes(
        {**_value_choices(operation), **_constant_choices(operation, manager=manager)}
    )


def _suggested_name(record: ImportRecord) -> str:
    stem = os.path.splitext(os.path.basename(record.file_name))[0]
    return stem[:100] or _("My file")


def _unknown_values(
    request: HttpRequest, operation: Operation, table: Any, matched: dict[int, str]
) -> dict[str, list[tuple[str, int]]]:
    """The values of the activity and population group columns (as posted, or as matched) that
    the operation does not know, with their counts, by field."""
    headers = table.headers
    chosen = {
        name: index
        for index, name in (
            _posted_columns(request.POST, len(headers)) if request.method == "POST" else matched
        ).items()
        if name in VALUE_FIELDS
    }
    known = _known_keys(operation)
    unknown = {
        name: [(v, n) for v, n in _distinct(table, index) if name_key(v) not in known[name]]
        for index, name in ((i, n) for n, i in chosen.items())
    }
    return {name: values for name, values in unknown.items() if values}


def _preview(
    request: HttpRequest, form: MappingForm, record: ImportRecord, table: Any, navigating: bool
) -> Any:
    """What the columns make of the first rows: as chosen ("Preview", nothing saved), or as the
    saved mapping has them when the page opens."""
    if navigating:
        value_lists.unchecked(form)
    elif request.method == "POST" and "preview" in request.POST:
        if form.is_valid():
            return import_services.mapping_preview(
                table, form.mapping_columns(), form.mapping_values()
            )
    elif request.method == "GET" and record.mapping is not None:
        return import_services.mapping_preview(table, record.mapping.columns, record.mapping.values)
    return None


def _save_and_recheck(
    request: HttpRequest,
    form: MappingForm,
    record: ImportRecord,
    operation: Operation,
    inspection: Any,
) -> HttpResponse | None:
    """Save the mapping and check the file again with it (the new upload's page); None when the
    mapping is refused (the form then carries why)."""
    user = current_user(request)
    organisation = record.organisation
    if organisation is None and not access.is_manager(user, operation):
        organisation = user.organisation
    try:
        mapping = import_services.mapping_save(
            by=user,
            operation=operation,
            organisation=organisation,
            name=form.cleaned_data["name"],
            columns=form.mapping_columns(),
            values=form.mapping_values(record.mapping.values if record.mapping else None),
            sheet=inspection.table.sheet,
            header_row=inspection.table.header_row,
            request=request,
        )
    except ValidationError as error:
        apply_validation_error(form, error)
        return None
    new = import_pages.mapping_recheck(
        request,
        record,
        mapping,
        start=import_services.import_5w_start,
        by=user,
        operation=operation,
    )
    return redirect("activities:import_detail", slug=operation.slug, pk=new.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Say which field each column of the file holds, and what the file's own words for
    activities and population groups mean; saved under a name and used for this file and the
    next ones."""
    operation = reporting_operation(request, slug)
    record = record_for(request, operation, pk)
    user = current_user(request)
    if not record.file:
        raise Http404
    try:
        with record.file.open("rb") as handle:
            inspection = import_services.import_inspect(
                file=handle,
                file_name=record.file_name,
                mapping=record.mapping,
                need_organisation=record.organisation is None,
                # The values and the preview are those the import will read: with the cells
                # corrected in the browser.
                corrections=record.corrections,
            )
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect("activities:import_detail", slug=slug, pk=pk)
    table = inspection.table
    headers = table.headers
    initial_columns = {headers[i]: name for i, name in inspection.match.columns.items()}
    unknown = _unknown_values(request, operation, table, inspection.match.columns)
    value_choices = _value_choices(operation)
    navigating = value_lists.values_navigation(request)
    manager = access.is_manager(user, operation)

    def form_for(data: Any) -> MappingForm:
        return _mapping_form(
            data,
            headers,
            initial_columns,
            unknown,
            value_choices,
            record,
            operation,
            manager=manager,
        )

    form = form_for(request.POST or None)
    accepted = 0
    scope = value_lists.accept_scope(request.POST, form.value_rows) if navigating else None
    if scope is not None:
        # "Accept the suggestions": the form again with them chosen; nothing is saved yet.
        data, accepted = value_lists.accept_suggestions(request.POST, scope)
        form = form_for(data)
    preview = _preview(request, form, record, table, navigating)
    if not navigating and preview is None and import_pages.mapping_ready(request, form, unknown):
        saved = _save_and_recheck(request, form, record, operation, inspection)
        if saved is not None:
            return saved
    return page(
        request,
        "activities/imports/mapping.html",
        operation,
        record=record,
        form=form,
        inspection=inspection,
        sample=inspection.sample,
        asked=",".join(sorted(unknown)),
        required=[fivew.BY_NAME[name].label for name in fivew.REQUIRED],
        preview=preview,
        **value_lists.values_context(form, form.value_rows, request.POST or request.GET, accepted),
    )


def _mapping_form(
    data: Any,
    headers: list[str],
    initial_columns: dict[str, str],
    unknown: dict[str, list[tuple[str, int]]],
    value_choices: dict[str, list[tuple[str, str]]],
    record: ImportRecord,
    operation: Operation,
    *,
    manager: bool = False,
) -> MappingForm:
    form = MappingForm(
        data,
        columns=headers,
        initial_columns=initial_columns,
        unknown_values=unknown,
        value_choices=value_choices,
        initial_values=record.mapping.values if record.mapping else None,
        constant_choices=_constant_choices(operation, manager=manager),
        initial={"name": record.mapping.name if record.mapping else _suggested_name(record)},
    )
    form.fields["name"].required = True
    return form
