"""Pooled-fund pages, with the access rules on every path: a partner never sees another partner's
proposal or any score; a recused reviewer cannot read a proposal's scores through any page,
export or the audit log; the fund sees who was recused and why."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tutela.activities.tests.analysis_fixtures import add_planning
from tutela.core.models import AuditEntry
from tutela.planning.models import ProposalAttachment
from tutela.planning.services import proposals as proposal_services
from tutela.planning.tests.allocation_fixtures import Review, finished, scored

pytestmark = pytest.mark.django_db


def url(review: Review, name: str, *args: object) -> str:
    return reverse(f"planning:{name}", args=["mali", review.allocation.pk, *args])


def test_allocation_page_for_each_role(review: Review, as_user) -> None:
    world = review.world
    page = url(review, "allocation_detail")
    for user in (world.coordinator, world.partner, world.viewer, review.fund, review.drc_reviewer):
        assert as_user(user).get(page).status_code == 200, user
    assert as_user(world.outsider).get(page).status_code == 404
    assert as_user(world.other_operation_user).get(page).status_code == 404
    partner_view = as_user(world.partner).get(page).content.decode()
    assert "Psychosocial support in Bandiagara" in partner_view
    assert "Case management in Djenné" not in partner_view
    assert url(review, "ranking") not in partner_view


def test_partner_never_sees_another_partners_proposal(review: Review, as_user) -> None:
    scored(review)
    world = review.world
    partner = as_user(world.partner)
    assert partner.get(url(review, "proposal_detail", review.other.pk)).status_code == 404
    assert partner.get(url(review, "proposal_scores", review.other.pk)).status_code == 404
    own = partner.get(url(review, "proposal_detail", review.amss.pk))
    assert own.status_code == 200
    assert url(review, "proposal_scores", review.amss.pk) not in own.content.decode()
    # Not even their own proposal's scores.
    assert partner.get(url(review, "proposal_scores", review.amss.pk)).status_code == 403
    assert partner.get(url(review, "ranking")).status_code == 403
    assert partner.get(url(review, "recommendation_export", "xlsx")).status_code == 403
    assert partner.get(url(review, "conflicts")).status_code == 403


def test_recused_reviewer_cannot_read_scores_through_any_page(review: Review, as_user) -> None:
    finished(scored(review))
    world = review.world
    drc = as_user(review.drc_reviewer)
    # DRC's reviewer is recused from AMSS's proposal (DRC is its implementing partner).
    assert drc.get(url(review, "proposal_scores", review.amss.pk)).status_code == 403
    assert drc.get(url(review, "proposal_justify", review.amss.pk)).status_code == 403
    detail = drc.get(url(review, "proposal_detail", review.amss.pk)).content.decode()
    assert url(review, "proposal_scores", review.amss.pk) not in detail
    assert "90.00" not in detail
    ranking = drc.get(url(review, "ranking")).content.decode()
    assert "Recused: scores not shown" in ranking or "Récusé" in ranking
    assert "90.00" not in ranking
    assert "60.00" not in ranking
    assert "Très pertinent" not in ranking
    assert "30.00" in ranking
    assert drc.get(url(review, "recommendation_export", "xlsx")).status_code == 403
    # The chair is recused from OTHER's proposal: not on the chair's pages either.
    chair = as_user(world.coordinator)
    assert chair.get(url(review, "proposal_scores", review.other.pk)).status_code == 403
    chair_ranking = chair.get(url(review, "ranking")).content.decode()
    assert "30.00" not in chair_ranking
    assert "Budget élevé" not in chair_ranking
    # ... nor in the chair's own export of the recommendation.
    from openpyxl import load_workbook

    export = chair.get(url(review, "recommendation_export", "xlsx"), {"lang": "en"})
    assert export.status_code == 200
    cells = [
        str(c.value)
        for sheet in load_workbook(BytesIO(export.content)).worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    ]
    joined = " ".join(cells)
    assert "Case management in Djenné" in joined
    assert "Recused: scores not shown" in joined
    assert "Budget élevé" not in joined
    assert "30.0" not in joined
    # ... nor in the audit log the chair reads as a manager.
    log = chair.get(reverse("core:audit_log", args=["mali"])).content.decode()
    assert "Budget élevé" not in log
    assert "Consensus score" not in log


def test_fund_sees_who_was_recused_and_why(review: Review, as_user) -> None:
    world = review.world
    page = as_user(review.fund).get(url(review, "conflicts"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Dieter DRC" in body
    assert "implementing partner" in body or "partenaire de mise en œuvre" in body
    assert "Awa Coordinator" in body
    assert as_user(review.drc_reviewer).get(url(review, "conflicts")).status_code == 403
    assert as_user(world.partner).get(url(review, "conflicts")).status_code == 403


def test_reviewer_pages_declare_and_score(review: Review, as_user) -> None:
    world = review.world
    client = as_user(world.imo)
    detail = url(review, "proposal_detail", review.drc.pk)
    assert client.get(url(review, "proposal_score", review.drc.pk)).status_code == 200
    response = client.post(url(review, "proposal_declare", review.drc.pk), {"has_conflict": "no"})
    assert response.status_code == 302
    data = {}
    for question in review.questions():
        data[f"q{question.pk}"] = "4"
        data[f"c{question.pk}"] = ""
    saved = client.post(url(review, "proposal_score", review.drc.pk), data)
    assert saved.status_code == 302
    assert "80.00" in client.get(url(review, "proposal_scores", review.drc.pk)).content.decode()
    # The DRC reviewer is refused the scoring form of their own organisation's proposal.
    drc = as_user(review.drc_reviewer)
    assert drc.get(url(review, "proposal_score", review.drc.pk)).status_code == 403
    assert drc.post(url(review, "proposal_score", review.drc.pk), data).status_code == 403
    assert client.get(detail).status_code == 200


def test_recommendation_exports_in_french_and_english(review: Review, as_user) -> None:
    finished(scored(review))
    fund = as_user(review.fund)
    word = fund.get(url(review, "recommendation_export", "docx"), {"lang": "fr"})
    assert word.status_code == 200
    from docx import Document

    text = "\n".join(p.text for p in Document(BytesIO(word.content)).paragraphs)
    assert "Recommandation du comité de revue" in text
    assert "Case management in Djenné" in text
    assert "Budget élevé" in text
    assert "Awa Coordinator" in text  # the record of recusals, for the fund
    english = fund.get(url(review, "recommendation_export", "xlsx"), {"lang": "en"})
    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(english.content))
    assert workbook.sheetnames[0] == "Recommendation"
    rows = list(workbook["Recommendation"].iter_rows(values_only=True))
    assert rows[3][:5] == (
        "Rank",
        "Organisation",
        "Proposal",
        "Requested (USD)",
        "Consensus score (/100)",
    )
    assert rows[4][0] == 1
    assert rows[4][4] == 90.0
    assert (
        AuditEntry.objects.filter(action="export", summary__startswith="Recommendation").count()
        == 2
    )


def test_attachments_through_the_storage(review: Review, as_user) -> None:
    world = review.world
    from tutela.planning.tests.allocation_fixtures import open_allocation

    allocation = open_allocation(world, review.fund)
    draft = proposal_services.proposal_create(
        allocation=allocation, by=world.partner, title="Avec pièces", summary="x"
    )
    client = as_user(world.partner)
    attach = reverse("planning:proposal_attach", args=["mali", allocation.pk, draft.pk])
    good = SimpleUploadedFile(
        "budget.pdf", b"%PDF-1.4 fake pdf body", content_type="application/pdf"
    )
    assert client.post(attach, {"file": good}).status_code == 302
    attachment = ProposalAttachment.objects.get()
    assert attachment.name == "budget.pdf"
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    client.post(attach, {"file": bad})
    fake = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    client.post(attach, {"file": fake})
    assert ProposalAttachment.objects.count() == 1
    download = reverse(
        "planning:attachment_download", args=["mali", allocation.pk, draft.pk, attachment.pk]
    )
    response = client.get(download)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert as_user(world.other_partner).get(download).status_code == 404
    assert AuditEntry.objects.filter(action="read", entity_type="planning.proposalattachment")


def test_proposal_is_checked_against_the_5w(review: Review, as_user) -> None:
    world = review.world
    from tutela.core.models import AdminArea

    add_planning(world, AdminArea.objects.get(pcode="ML0502"), pin=1000, severity=4)
    page = as_user(review.fund).get(url(review, "proposal_detail", review.other.pk))
    body = page.content.decode()
    assert page.status_code == 200
    # OTHER already reports PSS in Djenné (5W fixture): presence, overlap, severity 4.
    assert "OTHER" in body
    assert "Djenné" in body
    assert '<td class="num">4</td>' in body
