import pytest
from django.test import Client


@pytest.mark.django_db
def test_server_error_page_shows_no_stack_trace_or_internal_detail():
    client = Client(raise_request_exception=False)
    response = client.get("/__fail__/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body
    assert "hunter2" not in body
    assert "internal detail" not in body
    assert "Something went wrong" in body


@pytest.mark.django_db
def test_unknown_page_is_a_plain_404():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "does not exist" in response.content.decode()


@pytest.mark.django_db
def test_pages_carry_security_headers():
    response = Client().get("/no/such/page/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
