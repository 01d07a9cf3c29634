import pytest
from tutela.activities.tests.reporting_fixtures import fivew, line, save_rows  # noqa
pytestmark = pytest.mark.django_db

def test_smoke(fivew, as_user):
    w = fivew.world
    save_rows(w.partner, w.amss, line())
    for user in (w.coordinator, w.partner):
        c = as_user(user)
        for url in ["/o/mali/5w/", "/o/mali/5w/2026-03/", "/o/mali/5w/2026-03/rows/", "/o/mali/5w/2026-03/submissions/AMSS/"]:
            r = c.get(url)
            print(user.email, url, r.status_code)
            assert r.status_code == 200, r.content.decode()[:3000]
