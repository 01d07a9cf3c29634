"""Offline case forms with ODK submission encryption: the XLSForms (pyxform converts them, the
public key is in them), the import of submissions encrypted as ODK Collect / Enketo do it
(tests/odk_collect.py, written from ODK's reference code), refusals and access."""

from __future__ import annotations

import base64
import io
import re
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from tutela.cases import files as case_files
from tutela.cases import odk_crypto
from tutela.cases.models import Case, Consent, FollowUp, OdkKey, OdkSubmission
from tutela.cases.services import odk_import
from tutela.cases.services.odk_forms import (
    form_id,
    odk_key_get_or_create,
    xlsform_cases,
    xlsform_convert,
)
from tutela.cases.tests.odk_collect import briefcase_zip, encrypt_submission
from tutela.core.models import AuditEntry

pytestmark = pytest.mark.django_db
VERSION = "202612061200"


def _registration(
    cw, instance_id: str, members: list[dict[str, str]] | None = None, **values: str
) -> str:
    """A registration as Collect sends it; `members`: the household repeat, one dict a member."""
    fields = {
        "consent_services": "yes",
        "consent_aggregate": "yes",
        "registered_on": "2026-11-30",
        "admin1_pcode": "ML05",
        "admin2_pcode": "ML0501",
        "given_name": "Fatoumata",
        "family_name": "Coulibaly",
        "sex": "F",
        "age": "31",
        "phone": "+223 70 11 22 33",
        "household": "yes" if members else "no",
        "case_type": "gbv",
        "risk_level": "high",
        "summary": "Registered in the field.",
    }
    fields.update(values)
    body = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    # Collect writes the repeat's elements where the repeat is in the form (after the phone).
    repeats = "".join(
        "<members>" + "".join(f"<{k}>{v}</{k}>" for k, v in member.items()) + "</members>"
        for member in members or []
    )
    body = body.replace("<case_type>", repeats + "<case_type>", 1)
    return (
        f'<data id="{form_id(cw.operation, "registration")}" version="{VERSION}">{body}'
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    )


HOUSEHOLD = [
    {
        "member_relationship": "child",
        "member_given_name": "Awa",
        "member_family_name": "Coulibaly",
        "member_sex": "F",
        "member_age": "7",
        "member_disability": "no",
    },
    {
        "member_relationship": "spouse",
        "member_given_name": "Seydou",
        "member_family_name": "Keïta",
        "member_sex": "M",
        "member_age": "38",
        "member_disability": "yes",
    },
]


def _follow_up(cw, instance_id: str, code: str) -> str:
    return (
        f'<data id="{form_id(cw.operation, "follow_up")}" version="{VERSION}">'
        f"<case_code>{code}</case_code><visited_on>2026-12-02</visited_on>"
        f"<risk_level>medium</risk_level><note>Visited at home, safer now.</note>"
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    )


def _encrypt(cw, xml: str, instance_id: str, kind: str = "registration", **extra):
    key = odk_key_get_or_create(operation=cw.operation)
    return encrypt_submission(
        key.public_key,
        xml,
        form_id=form_id(cw.operation, kind),
        version=VERSION,
        instance_id=instance_id,
        **extra,
    )


def _uuid() -> str:
    return f"uuid:{uuid.uuid4()}"


# --- Forms ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["registration", "follow_up"])
def test_the_forms_convert_with_the_public_key_in_the_operation_languages(cw, kind):
    content = xlsform_cases(cw.operation, kind)
    settings = load_workbook(io.BytesIO(content))["settings"]
    header = [c.value for c in settings[1]]
    row = dict(zip(header, [c.value for c in settings[2]], strict=True))
    key = OdkKey.objects.get(operation=cw.operation)
    assert row["public_key"] == key.public_key
    assert row["form_id"] == form_id(cw.operation, kind)
    xform = xlsform_convert(content)
    assert f'base64RsaPublicKey="{key.public_key}"' in xform
    assert 'lang="Français (fr)"' in xform
    assert 'lang="English (en)"' in xform
    assert "Code du cas" in xform or "Sexe" in xform  # French labels from the catalogue
    # The same key for every form of the operation; the private key never in the form.
    assert xlsform_cases(cw.operation, kind)
    assert OdkKey.objects.count() == 1
    private_body = "".join(key.private_key.splitlines()[1:-1])
    assert private_body[:40] not in xform


def test_the_private_key_is_encrypted_at_rest(cw):
    key = odk_key_get_or_create(operation=cw.operation)
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM cases_odkkey WHERE id = %s", [key.pk])
        stored = cursor.fetchone()[0]
    assert "PRIVATE KEY" not in stored
    assert "PRIVATE KEY" in key.private_key
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.SECURITY, entity_id=str(key.pk)
    ).exists()


# --- Round trip -----------------------------------------------------------------------------------


def test_an_encrypted_registration_then_a_follow_up_become_a_case(cw):
    registration_id = _uuid()
    files = _encrypt(
        cw,
        _registration(cw, registration_id),
        registration_id,
        media={"photo.jpg": b"\xff\xd8\xff fictional photo"},
    )
    result = odk_import.odk_import(
        operation=cw.operation,
        by=cw.caseworker,
        submissions=odk_import.submissions_from_zip(briefcase_zip({"one": files})),
    )
    assert result.saved, result.errors
    case = Case.objects.get(code=result.outcomes[0].case_code)
    principal = case.people.get(is_principal=True)
    assert (principal.given_name, principal.family_name, principal.phone) == (
        "Fatoumata",
        "Coulibaly",
        "+223 70 11 22 33",
    )
    assert (case.case_type, case.risk_level, case.admin1.pcode) == ("gbv", "high", "ML05")
    document = case.documents.get()
    assert document.filename == "photo.jpg"
    assert case_files.document_read(document.storage_name.name) == b"\xff\xd8\xff fictional photo"
    assert case.organisation_id == cw.caseworker.organisation_id
    assert set(case.consents.values_list("purpose", flat=True)) == {
        Consent.Purpose.SERVICES,
        Consent.Purpose.AGGREGATE,
    }
    audited = AuditEntry.objects.filter(operation=cw.operation, actor=cw.caseworker)
    assert audited.filter(action=AuditEntry.Action.CREATE, entity_id=str(case.pk)).exists()
    assert audited.filter(entity_type="odk_import").count() == 1

    # The follow-up, encrypted as Enketo (KoboToolbox's web forms) does: OAEP's MGF1 with SHA-1.
    follow_id = _uuid()
    files = _encrypt(
        cw, _follow_up(cw, follow_id, case.code), follow_id, kind="follow_up", enketo=True
    )
    result = odk_import.odk_import(
        operation=cw.operation,
        by=cw.caseworker,
        submissions=odk_import.submissions_from_files(files),
    )
    assert result.saved, result.errors
    assert result.outcomes[0].action == "followed_up"
    visit = FollowUp.objects.get(case=case)
    assert visit.done_on.isoformat() == "2026-12-02"
    assert "safer now" in visit.note
    case.refresh_from_db()
    assert case.risk_level == "medium"

    # The same export uploaded again registers nothing twice.
    again = odk_import.odk_import(
        operation=cw.operation,
        by=cw.caseworker,
        submissions=odk_import.submissions_from_files(files),
    )
    assert [o.action for o in again.outcomes] == ["skipped"]
    assert FollowUp.objects.filter(case=case).count() == 1
    assert OdkSubmission.objects.count() == 2


def _stored() -> list[str]:
    if not default_storage.exists(case_files.FOLDER):
        return []
    return sorted(default_storage.listdir(case_files.FOLDER)[1])


# --- Refusals -------------------------------------------------------------------------------------


def _import(cw, submissions):
    return odk_import.odk_import(operation=cw.operation, by=cw.caseworker, submissions=submissions)


def test_a_tampered_file_is_refused_and_nothing_of_the_upload_is_saved(cw):
    good_id, bad_id = _uuid(), _uuid()
    good = _encrypt(cw, _registration(cw, good_id), good_id, media={"scan.pdf": b"%PDF-1.4 x"})
    stored_before = _stored()
    bad = _encrypt(cw, _registration(cw, bad_id, given_name="Mariam"), bad_id)
    damaged = bytearray(bad["submission.xml.enc"])
    damaged[5] ^= 0x01  # one bit of the data: CFB decrypts it, only the signature can tell
    bad["submission.xml.enc"] = bytes(damaged)
    result = _import(cw, {"a": good, "b": bad})
    assert not result.saved
    assert [o.name for o in result.errors] == ["b"]
    assert "altered" in result.errors[0].error
    assert Case.objects.count() == 0
    assert OdkSubmission.objects.count() == 0
    assert _stored() == stored_before  # the good one's document file is removed with the rest
    refused = AuditEntry.objects.get(entity_type="odk_import")
    assert refused.action == AuditEntry.Action.SECURITY
    assert refused.actor == cw.caseworker


def test_a_tampered_manifest_is_refused(cw):
    instance_id = _uuid()
    files = _encrypt(cw, _registration(cw, instance_id), instance_id)
    files["submission.xml"] = files["submission.xml"].replace(
        instance_id.encode(), _uuid().encode()
    )
    result = _import(cw, {"a": files})
    assert not result.saved
    assert result.errors[0].error
    assert Case.objects.count() == 0


def test_a_submission_for_another_key_is_refused_with_a_clear_message(cw):
    other_private = odk_crypto.generate_private_key()
    instance_id = _uuid()
    files = encrypt_submission(
        odk_crypto.public_key_base64(other_private),
        _registration(cw, instance_id),
        form_id=form_id(cw.operation, "registration"),
        version=VERSION,
        instance_id=instance_id,
    )
    result = _import(cw, {"a": files})
    assert "another key" in result.errors[0].error
    assert Case.objects.count() == 0


def test_refusals_of_content(cw):
    no_consent, missing = _uuid(), _uuid()
    submissions = {
        "consent": _encrypt(cw, _registration(cw, no_consent, consent_services="no"), no_consent),
        "missing": _encrypt(cw, _registration(cw, missing), missing),
    }
    del submissions["missing"]["submission.xml.enc"]
    result = _import(cw, submissions)
    errors = {o.name: o.error for o in result.errors}
    assert "consent" in errors["consent"]
    assert "missing" in errors["missing"]
    clear = b'<data xmlns="http://opendatakit.org/submissions" id="x"><a>1</a></data>'
    result = _import(cw, {"clear": {"submission.xml": clear}})
    assert "not encrypted" in result.errors[0].error
    with pytest.raises(odk_import.OdkImportError, match="ZIP"):
        odk_import.submissions_from_files({"export.zip": b"not a zip"})
    assert Case.objects.count() == 0


def test_a_probable_duplicate_is_refused_unless_confirmed(cw):
    first, second = _uuid(), _uuid()
    assert _import(cw, {"a": _encrypt(cw, _registration(cw, first), first)}).saved
    duplicate = {"b": _encrypt(cw, _registration(cw, second), second)}
    result = _import(cw, duplicate)
    assert "may already have a case" in result.errors[0].error
    assert Case.objects.count() == 1
    result = odk_import.odk_import(
        operation=cw.operation,
        by=cw.caseworker,
        submissions=duplicate,
        confirm_not_duplicate=True,
    )
    assert result.saved
    assert Case.objects.count() == 2


def test_a_follow_up_of_another_organisations_case_is_refused(cw):
    first = _uuid()
    result = _import(cw, {"a": _encrypt(cw, _registration(cw, first), first)})
    code = result.outcomes[0].case_code
    follow = _uuid()
    files = _encrypt(cw, _follow_up(cw, follow, code), follow, kind="follow_up")
    result = odk_import.odk_import(
        operation=cw.operation, by=cw.drc_caseworker, submissions={"f": files}
    )
    assert "No case" in result.errors[0].error
    assert FollowUp.objects.count() == 0


# --- Pages, CLI and access ------------------------------------------------------------------------


def test_pages_and_access(cw, as_user, tmp_path):
    world = cw.world
    slug = cw.operation.slug
    page = reverse("cases:odk", args=[slug])
    form = reverse("cases:odk_form", args=[slug, "registration"])
    key = reverse("cases:odk_public_key", args=[slug])
    manager = as_user(world.coordinator)
    response = manager.get(form)
    assert response.status_code == 200
    assert "public_key" in [
        c.value for c in load_workbook(io.BytesIO(response.content))["settings"][1]
    ]
    with_url = manager.get(form, {"submission_url": "https://kc.kobotoolbox.org/submission"})
    xform = xlsform_convert(with_url.content)
    assert 'action="https://kc.kobotoolbox.org/submission"' in xform
    assert manager.get(form, {"submission_url": "javascript:alert(1)"}).status_code == 400
    pem = manager.get(key).content.decode()
    assert "PUBLIC KEY" in pem
    assert "PRIVATE" not in pem
    assert manager.get(page).status_code == 200
    for user in (world.viewer, world.other_partner, world.partner, cw.caseworker):
        client = as_user(user)
        assert client.get(form).status_code == 403, user
        assert client.get(key).status_code == 403, user
    for user in (world.viewer, world.other_partner, world.partner):
        client = as_user(user)
        assert client.get(page).status_code == 403, user
        assert client.post(page, {}).status_code == 403, user
    # Managers download but do not import (the cases would belong to no team of theirs).
    assert manager.post(page, {}).status_code == 403
    assert as_user(world.other_operation_user).get(page).status_code == 404
    assert as_user(world.viewer).get(form).status_code == 403
    # A caseworker uploads one submission's files from the page.
    instance_id = _uuid()
    files = _encrypt(cw, _registration(cw, instance_id), instance_id)
    caseworker = as_user(cw.caseworker)
    uploads = []
    for name, content in files.items():
        upload = io.BytesIO(content)
        upload.name = name
        uploads.append(upload)
    response = caseworker.post(page, {"files": uploads})
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert Case.objects.filter(operation=cw.operation).count() == 1
    response = caseworker.post(page, {"files": [io.BytesIO(b"junk")]})
    assert response.status_code == 400
    # The command line, for a manager only.
    target = tmp_path / "form.xlsx"
    call_command(
        "cases_odk_form",
        operation=slug,
        form="follow_up",
        email=world.coordinator.email,
        output=str(target),
    )
    assert re.search(rb"PK", target.read_bytes()[:2])
    with pytest.raises(Exception, match="manager"):
        call_command("cases_odk_form", operation=slug, email=world.viewer.email, output=str(target))
    assert base64.b64decode(OdkKey.objects.get().public_key)


def test_sizes_are_bounded_before_unpacking(cw, monkeypatch):
    monkeypatch.setattr(odk_import, "MAX_UNCOMPRESSED_BYTES", 100_000)
    bomb = briefcase_zip({"a": {"submission.xml": b"<data/>", "big.enc": b"\0" * 200_000}})
    assert len(bomb) < 2_000  # compresses to almost nothing
    with pytest.raises(odk_import.OdkImportError, match="too large once unpacked"):
        odk_import.submissions_from_zip(bomb)
    monkeypatch.setattr(odk_import, "MAX_SUBMISSIONS", 2)
    many = briefcase_zip({str(n): {"submission.xml": b"<data/>"} for n in range(3)})
    with pytest.raises(odk_import.OdkImportError, match="500"):
        odk_import.submissions_from_zip(many)


@pytest.mark.parametrize(
    ("kind", "xml"),
    [
        ("registration", lambda cw: _registration(cw, "uuid:x")),
        ("registration", lambda cw: _registration(cw, "uuid:x", members=[HOUSEHOLD[0]])),
        ("follow_up", lambda cw: _follow_up(cw, "uuid:x", "X")),
    ],
)
def test_the_submissions_of_the_tests_have_the_shape_of_the_generated_forms(cw, kind, xml):
    """What Collect would send has the generated form's instance elements: the importer reads
    the names the forms write."""
    xform = xlsform_convert(xlsform_cases(cw.operation, kind))
    instance = re.search(rf'<data id="{form_id(cw.operation, kind)}"[^>]*>(.*?)</data>', xform)
    assert instance is not None
    # The leaves, empty or with a default (household: "no").
    leaves = re.findall(r"<(\w+)/>|<(\w+)>[^<]*</\2>", instance.group(1))
    expected = {a or b for a, b in leaves} - {"instanceID"}
    sent = set(re.findall(r"<(\w+)>[^<]*</\1>", xml(cw))) - {"instanceID"}
    if "<members>" not in xml(cw):
        # No household member added: Collect sends no repeat.
        expected = {name for name in expected if not name.startswith("member_")}
    assert sent == expected


# --- Household members ----------------------------------------------------------------------------


def test_the_registration_form_has_a_repeat_for_household_members(cw):
    xform = xlsform_convert(xlsform_cases(cw.operation, "registration"))
    assert re.search(r'<group[^>]*ref="/data/members"', xform)
    assert 'nodeset="/data/members"' in xform  # the repeat
    assert "${household}" not in xform  # converted to its path
    assert re.search(r"relevant=\" */data/household *= 'yes'\"", xform)
    for name in ("member_relationship", "member_given_name", "member_sex", "member_age"):
        assert f"/data/members/{name}" in xform


def test_an_encrypted_registration_with_two_household_members_makes_a_household_case(cw):
    instance_id = _uuid()
    files = _encrypt(cw, _registration(cw, instance_id, members=HOUSEHOLD), instance_id)
    result = _import(cw, {"a": files})
    assert result.saved, [o.error for o in result.errors]
    case = Case.objects.get()
    assert case.kind == Case.Kind.HOUSEHOLD
    people = {(p.given_name, p.family_name): p for p in case.people.all()}
    assert set(people) == {("Fatoumata", "Coulibaly"), ("Awa", "Coulibaly"), ("Seydou", "Keïta")}
    assert people["Fatoumata", "Coulibaly"].is_principal
    child, spouse = people["Awa", "Coulibaly"], people["Seydou", "Keïta"]
    assert (child.relationship, child.sex, child.age, child.disability) == ("child", "F", 7, False)
    assert (spouse.relationship, spouse.sex, spouse.age, spouse.disability) == (
        "spouse",
        "M",
        38,
        True,
    )
    assert not child.is_principal
    # The members' names are encrypted at rest like the principal's.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_caseperson")
        assert "Seydou" not in repr(cursor.fetchall())


def test_household_members_are_ignored_unless_the_household_is_registered(cw):
    instance_id = _uuid()
    xml = _registration(cw, instance_id, members=HOUSEHOLD).replace(
        "<household>yes</household>", "<household>no</household>"
    )
    result = _import(cw, {"a": _encrypt(cw, xml, instance_id)})
    assert result.saved
    case = Case.objects.get()
    assert case.kind == Case.Kind.INDIVIDUAL
    assert case.people.count() == 1


def test_a_household_member_with_a_bad_value_is_refused_with_its_number(cw):
    instance_id = _uuid()
    bad = [HOUSEHOLD[0], {**HOUSEHOLD[1], "member_relationship": "self"}]
    result = _import(
        cw, {"a": _encrypt(cw, _registration(cw, instance_id, members=bad), instance_id)}
    )
    assert not result.saved
    assert "Household member 2" in result.errors[0].error
    assert Case.objects.count() == 0
