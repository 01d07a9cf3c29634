"""The place aliases of an operation (its settings, for its managers): the names its files use
for admin areas ("Djaptodi" for Djaptodji), listed with search and paging, added, changed,
deleted, and exchanged as CSV (name, level, pcode). The importers read them (pcodes.by_alias)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela.core.forms.directory import apply_validation_error
from tutela.core.models import AuditEntry, Operation, PlaceAlias
from tutela.core.pcodes import name_key
from tutela.core.services.audit import audit_write
from tutela.core.services.place_aliases import (
    MAX_CSV_BYTES,
    operation_areas,
    place_alias_delete,
    place_alias_save,
    place_aliases_csv,
    place_aliases_import_csv,
)
from tutela.core.views.common import (
    current_user,
    download,
    managed_operation,
    paginate,
    render_page,
)


def _level_choices(operation: Operation) -> list[tuple[str, str]]:
    labels = operation.admin_level_labels or {}
    choices = [(str(PlaceAlias.ANY_LEVEL), str(_("Any level")))]
    for level in range(1, 4):
        label = labels.get(str(level), "")
        shown = _("Admin %(level)s") % {"level": level}
        choices.append((str(level), f"{shown} ({label})" if label else shown))
    return choices


class PlaceAliasForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name as written in the files"), max_length=200)
    level = forms.TypedChoiceField(label=gettext_lazy("Admin level"), coerce=int)
    pcode = forms.CharField(
        label=gettext_lazy("P-code of the place it means"),
        max_length=20,
        help_text=gettext_lazy("The P-code of the admin area in the loaded boundaries."),
    )

    def __init__(self, *args: object, operation: Operation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.operation = operation
        self.fields["level"].choices = _level_choices(operation)  # type: ignore[attr-defined]

    def clean_pcode(self) -> object:
        pcode = self.cleaned_data["pcode"].strip().upper()
        area = operation_areas(self.operation).filter(pcode=pcode).first()
        if area is None:
            raise ValidationError(
                _("“%(value)s” is not a P-code of this operation's countries."),
                params={"value": pcode},
            )
        return area


class AliasImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file (name, level, pcode)"))


def _aliases(operation: Operation, query: str) -> QuerySet[PlaceAlias]:
    items = PlaceAlias.objects.filter(operation=operation).select_related("area", "created_by")
    if query:
        key = name_key(query)
        items = items.filter(
            Q(name_key__contains=key)
            | Q(area__pcode__iexact=query.strip())
            | Q(area__name_key__contains=key)
        )
    return items


@login_required
@require_http_methods(["GET", "POST"])
def place_aliases(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = PlaceAliasForm(request.POST or None, operation=operation)
    if request.method == "POST" and form.is_valid():
        try:
            place_alias_save(
                operation=operation,
                by=current_user(request),
                name=form.cleaned_data["name"],
                level=form.cleaned_data["level"],
                area=form.cleaned_data["pcode"],
                request=request,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Place alias saved."))
            return redirect("core:place_aliases", slug=slug)
    query = request.GET.get("q", "").strip()[:200]
    return render_page(
        request,
        "core/places/aliases.html",
        operation,
        {
            "form": form,
            "import_form": AliasImportForm(),
            "query": query,
            "page": paginate(request, _aliases(operation, query)),
            "is_manager": True,
        },
    )


def _alias(operation: Operation, pk: int) -> PlaceAlias:
    alias = PlaceAlias.objects.filter(operation=operation, pk=pk).select_related("area").first()
    if alias is None:
        raise Http404
    return alias


@login_required
@require_http_methods(["GET", "POST"])
def place_alias_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    alias = _alias(operation, pk)
    form = PlaceAliasForm(
        request.POST or None,
        operation=operation,
        initial={"name": alias.name, "level": alias.level, "pcode": alias.area.pcode},
    )
    if request.method == "POST" and form.is_valid():
        try:
            place_alias_save(
                operation=operation,
                by=current_user(request),
                name=form.cleaned_data["name"],
                level=form.cleaned_data["level"],
                area=form.cleaned_data["pcode"],
                source=alias.source,
                alias=alias,
                request=request,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Place alias saved."))
            return redirect("core:place_aliases", slug=slug)
    return render_page(
        request, "core/places/alias_edit.html", operation, {"form": form, "alias": alias}
    )


@login_required
@require_POST
def place_alias_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    alias = _alias(operation, pk)
    place_alias_delete(alias=alias, by=current_user(request), request=request)
    messages.success(request, _("Place alias deleted."))
    return redirect("core:place_aliases", slug=slug)


@login_required
@require_GET
def place_aliases_export(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    content = place_aliases_csv(operation)
    audit_write(
        actor=request.user,
        action=AuditEntry.Action.EXPORT,
        operation=operation,
        entity_type="core.placealias",
        summary="Place aliases CSV",
        request=request,
    )
    return download(
        "\ufeff" + content, f"place_aliases_{operation.slug}.csv", "text/csv; charset=utf-8"
    )


@login_required
@require_POST
def place_aliases_import(request: HttpRequest, slug: str) -> HttpResponse:
    operation = managed_operation(request, slug)
    form = AliasImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file."))
        return redirect("core:place_aliases", slug=slug)
    uploaded = form.cleaned_data["file"]
    try:
        result = place_aliases_import_csv(
            operation=operation,
            by=current_user(request),
            data=uploaded.read(MAX_CSV_BYTES + 1),
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        messages.error(request, _("Nothing was imported: correct the file and try again."))
        return redirect("core:place_aliases", slug=slug)
    messages.success(
        request,
        ngettext(
            "%(created)d place alias added, %(updated)d changed.",
            "%(created)d place aliases added, %(updated)d changed.",
            result.created,
        )
        % {"created": result.created, "updated": result.updated},
    )
    return redirect("core:place_aliases", slug=slug)
