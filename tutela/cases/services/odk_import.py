"""Importing encrypted ODK submissions of the operation's case forms (tutela.cases.services.
odk_forms) into cases.

Takes what ODK produces: a ZIP of instance folders (ODK Briefcase's storage, or folders of
submissions from ODK Central or KoboToolbox), each with the manifest `submission.xml`, the
encrypted `submission.xml.enc` and media `*.enc`; or the files of one submission uploaded
together. Each submission is decrypted (tutela.cases.odk_crypto) and goes through the same
services as the web pages: case_register (duplicate check), consent_record, follow-ups,
case_update, each writing its audit entry.

All or nothing per upload: if one submission is refused, nothing of the upload is saved, and
each refusal is reported with its reason. A submission already imported (same instanceID) is
skipped, so the same export can be uploaded again.
"""

from __future__ import annotations

import datetime
import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from defusedxml import ElementTree
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tutela.cases import access, files, odk_crypto
from tutela.cases.models import Case, CasePerson, Consent, FollowUp, OdkKey, OdkSubmission, Sex
from tutela.cases.services import cases as case_services
from tutela.cases.services import consent as consent_services
from tutela.cases.services import workflow
from tutela.cases.services.odk_forms import MEMBERS, form_id, odk_keys_for_import
from tutela.core.models import AdminArea, AuditEntry, Operation, User
from tutela.core.services.audit import audit_write

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 5000
MAX_SUBMISSIONS = 500
MANIFEST = "submission.xml"


class OdkImportError(ValidationError):
    """The upload as a whole cannot be read (not a ZIP, too large, no submission)."""


@dataclass
class Outcome:
    name: str
    instance_id: str = ""
    case_code: str = ""
    action: str = ""  # "registered", "followed_up", "skipped"
    error: str = ""
    stored: list[str] = field(default_factory=list)  # documents' files written for this one


@dataclass
class ImportResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]

    @property
    def saved(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action and not o.error)


# --- Reading the upload ---------------------------------------------------------------------------


def submissions_from_zip(content: bytes) -> dict[str, dict[str, bytes]]:
    """The files of each instance folder of a ZIP, by folder (bounded sizes, nothing written to
    disk)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise OdkImportError(_("The upload is too large (50 MB at most)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError) as error:
        raise OdkImportError(_("The file is not a ZIP archive.")) from error
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise OdkImportError(_("The ZIP archive is too large once unpacked."))
    # An instance folder is one that holds a manifest (submission.xml).
    submissions: dict[str, dict[str, bytes]] = {
        posixpath.dirname(info.filename): {}
        for info in infos
        if posixpath.basename(info.filename) == MANIFEST
    }
    if not submissions:
        raise OdkImportError(
            _("The ZIP archive holds no submission (no folder with a submission.xml).")
        )
    if len(submissions) > MAX_SUBMISSIONS:
        raise OdkImportError(_("At most 500 submissions per upload."))
    try:
        for info in infos:
            folder, name = posixpath.split(info.filename)
            if folder in submissions:
                submissions[folder][name] = archive.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as error:
        # RuntimeError: a password-protected entry; NotImplementedError: unknown compression.
        raise OdkImportError(_("The ZIP archive is damaged.")) from error
    return submissions


def submissions_from_files(files: dict[str, bytes]) -> dict[str, dict[str, bytes]]:
    """The files of one submission uploaded together; a single ZIP is read as such."""
    if len(files) == 1 and next(iter(files)).lower().endswith(".zip"):
        return submissions_from_zip(next(iter(files.values())))
    if sum(len(v) for v in files.values()) > MAX_UPLOAD_BYTES:
        raise OdkImportError(_("The upload is too large (50 MB at most)."))
    if MANIFEST not in files:
        raise OdkImportError(_("Upload the submission.xml of the submission with its .enc files."))
    return {"": files}


# --- One submission -------------------------------------------------------------------------------


def _tag(element: Any) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _leaves(element: Any, skip: str = "") -> dict[str, str]:
    """The leaf elements' values by name, under `element`, not looking inside `skip` elements."""
    values = {}
    for child in element:
        if _tag(child) == skip:
            continue
        if len(child) == 0:
            values[_tag(child)] = (child.text or "").strip()
        else:
            values.update(_leaves(child, skip))
    return values


def _values(xml: bytes) -> tuple[str, dict[str, str], list[dict[str, str]]]:
    """(form id, the values by question name, one dict per repeat of the household members)."""
    try:
        root = ElementTree.fromstring(xml)
    except Exception as error:  # defusedxml raises its own errors for entities and DTDs
        raise odk_crypto.OdkError(_("The decrypted submission is not readable XML.")) from error
    members = [_leaves(element) for element in root.iter() if _tag(element) == MEMBERS]
    return root.get("id") or "", _leaves(root, skip=MEMBERS), members


def _member(values: dict[str, str], number: int) -> case_services.PersonData:
    relationship = values.get("member_relationship", "")
    if relationship not in CasePerson.Relationship.values or relationship == "self":
        raise ValidationError(
            _("Household member %(n)s: unknown relationship %(value)s.")
            % {"n": number, "value": relationship}
        )
    sex = values.get("member_sex") or "U"
    if sex not in Sex.values:
        raise ValidationError(
            _("Household member %(n)s: unknown sex %(value)s.") % {"n": number, "value": sex}
        )
    age = values.get("member_age") or ""
    if age and not (age.isdigit() and int(age) <= 120):
        raise ValidationError(
            _("Household member %(n)s: the age must be a whole number from 0 to 120.")
            % {"n": number}
        )
    return case_services.PersonData(
        given_name=values.get("member_given_name", ""),
        family_name=values.get("member_family_name", ""),
        relationship=relationship,
        sex=sex,
        age=int(age) if age else None,
        disability=values.get("member_disability") == "yes",
    )


def _date(value: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise ValidationError({name: _("Not a date: %(value)s") % {"value": value}}) from None


def _register(
    operation: Operation,
    by: User,
    values: dict[str, str],
    members: list[dict[str, str]],
    confirm: bool,
) -> Case:
    if values.get("consent_services") != "yes":
        raise ValidationError(_("The person did not consent to registration: nothing registered."))
    pcode = values.get("admin2_pcode") or values.get("admin1_pcode") or ""
    area = AdminArea.objects.filter(pcode=pcode).first()
    if area is None:
        raise ValidationError({"area": _("Unknown area: %(pcode)s") % {"pcode": pcode}})
    age = values.get("age") or ""
    try:
        principal = case_services.PersonData(
            given_name=values.get("given_name", ""),
            family_name=values.get("family_name", ""),
            sex=values.get("sex") or "U",
            age=int(age) if age else None,
            phone=values.get("phone", ""),
        )
    except ValueError:
        raise ValidationError({"age": _("The age must be a whole number.")}) from None
    registered_on = _date(values.get("registered_on", ""), "registered_on")
    household = (
        [_member(member, n) for n, member in enumerate(members, start=1)]
        if values.get("household") == "yes"
        else []
    )
    case = case_services.case_register(
        operation=operation,
        by=by,
        principal=principal,
        area=area,
        members=household,
        kind=Case.Kind.HOUSEHOLD if household else Case.Kind.INDIVIDUAL,
        case_type=values.get("case_type") or Case.Type.GENERAL,
        risk_level=values.get("risk_level") or Case.RiskLevel.MEDIUM,
        registered_on=registered_on,
        summary=values.get("summary", ""),
        confirm_not_duplicate=confirm,
    )
    consent_services.consent_record(
        case=case, by=by, purpose=Consent.Purpose.SERVICES, given_on=registered_on
    )
    if values.get("consent_aggregate") == "yes":
        consent_services.consent_record(
            case=case, by=by, purpose=Consent.Purpose.AGGREGATE, given_on=registered_on
        )
    return case


def _follow_up(operation: Operation, by: User, values: dict[str, str]) -> Case:
    code = values.get("case_code", "").strip().upper()
    case = access.cases_for_user(by, operation).filter(code=code).first()
    if case is None or not access.can_edit_case(by, case):
        raise ValidationError(_("No case %(code)s that you may update.") % {"code": code or "–"})
    visited_on = _date(values.get("visited_on", ""), "visited_on")
    follow_up = workflow.follow_up_schedule(
        case=case, by=by, due_on=visited_on, kind=FollowUp.Kind.VISIT
    )
    workflow.follow_up_done(
        follow_up=follow_up, by=by, note=values.get("note", ""), done_on=visited_on
    )
    risk = values.get("risk_level") or ""
    if risk and risk != case.risk_level:
        case_services.case_update(case=case, by=by, risk_level=risk)
    return case


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error)


def _one(
    operation: Operation,
    by: User,
    keys: list[tuple[OdkKey, rsa.RSAPrivateKey]],
    outcome: Outcome,
    submission: dict[str, bytes],
    confirm: bool,
) -> None:
    index, decrypted = odk_crypto.decrypt_submission_any(
        [private for _key, private in keys], submission[MANIFEST], submission
    )
    outcome.instance_id = decrypted.manifest.instance_id
    if OdkSubmission.objects.filter(operation=operation, instance_id=outcome.instance_id).exists():
        outcome.action = "skipped"
        return
    form, values, members = _values(decrypted.xml)
    if form != decrypted.manifest.form_id:
        raise odk_crypto.OdkError(_("The decrypted submission is not the one of its manifest."))
    if form == form_id(operation, "registration"):
        case = _register(operation, by, values, members, confirm)
        outcome.action = "registered"
    elif form == form_id(operation, "follow_up"):
        case = _follow_up(operation, by, values)
        outcome.action = "followed_up"
    else:
        raise odk_crypto.OdkError(
            _("This submission is of the form %(form)s, not of this operation's case forms.")
            % {"form": form}
        )
    for media_name, content in decrypted.media.items():
        # Photos and scans the form may ask for: checked and stored encrypted like any upload.
        document = case_services.document_add(
            case=case, by=by, filename=media_name, content=content
        )
        outcome.stored.append(str(document.storage_name.name))
    OdkSubmission.objects.create(
        operation=operation,
        instance_id=outcome.instance_id,
        form_id=form,
        case=case,
        key=keys[index][0],
        imported_by=by,
    )
    outcome.case_code = case.code


def odk_import(
    *,
    operation: Operation,
    by: User,
    submissions: dict[str, dict[str, bytes]],
    confirm_not_duplicate: bool = False,
) -> ImportResult:
    """Decrypt and import the submissions (from submissions_from_zip / _files) as `by`, case
    management staff whose organisation gets the new cases. Saves everything or nothing."""
    if not access.is_case_staff(by, operation):
        raise PermissionDenied
    keys = [
        (key, odk_crypto.private_key(key.private_key)) for key in odk_keys_for_import(operation)
    ]
    result = ImportResult()
    try:
        _import_all(
            operation,
            by,
            keys,
            submissions,
            confirm_not_duplicate,
            result,
        )
    except Exception:
        _remove_stored(result)
        raise
    if result.errors:
        _remove_stored(result)
        # Refused uploads are audited too (an altered submission or another key is a signal).
        audit_write(
            actor=by,
            action=AuditEntry.Action.SECURITY,
            operation=operation,
            entity_type="odk_import",
            summary=f"ODK import refused: {len(result.errors)} of {len(result.outcomes)} "
            "submission(s) refused, nothing saved",
            after={"refused": [o.name for o in result.errors]},
        )
    return result


def _remove_stored(result: ImportResult) -> None:
    """The rows are rolled back; the documents' files written meanwhile are removed too."""
    for outcome in result.outcomes:
        for storage_name in outcome.stored:
            files.document_remove(storage_name)


def _import_all(
    operation: Operation,
    by: User,
    keys: list[tuple[OdkKey, rsa.RSAPrivateKey]],
    submissions: dict[str, dict[str, bytes]],
    confirm_not_duplicate: bool,
    result: ImportResult,
) -> None:
    with transaction.atomic():
        for name in sorted(submissions):
            outcome = Outcome(name=name or MANIFEST)
            result.outcomes.append(outcome)
            try:
                with transaction.atomic():
                    _one(
                        operation,
                        by,
                        keys,
                        outcome,
                        submissions[name],
                        confirm_not_duplicate,
                    )
            except (odk_crypto.OdkError, ValidationError, PermissionDenied) as error:
                outcome.error = _message(error) or _("Refused.")
            except IntegrityError:  # the same submission imported by someone else meanwhile
                outcome.error = _("This submission was being imported at the same time: try again.")
        if result.errors:
            transaction.set_rollback(True)
        else:
            audit_write(
                actor=by,
                action=AuditEntry.Action.CREATE,
                operation=operation,
                entity_type="odk_import",
                summary=f"ODK import: {result.count('registered')} registered, "
                f"{result.count('followed_up')} followed up, {result.count('skipped')} skipped",
                after={"instances": [o.instance_id for o in result.outcomes]},
            )
