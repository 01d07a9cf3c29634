from tutela.activities.tests.analysis_fixtures import five_w  # noqa: F401

def test_scratch(five_w, as_user):
    w = five_w.world
    c = as_user(w.partner)
    for url in ["/o/mali/5w/pivot/", "/o/mali/5w/pivot/?row1=month&row2=organisation", "/o/mali/5w/presence/?level=2", "/o/mali/5w/presence.geojson?level=2", "/o/mali/5w/coverage/", "/o/mali/5w/coverage.geojson", "/o/mali/5w/gaps/", "/o/mali/5w/presence.png?level=2", "/o/mali/5w/coverage.png", "/o/mali/5w/pivot/?rows=admin2&format=csv", "/o/mali/5w/pivot/?rows=admin2&format=xlsx"]:
        r = c.get(url)
        print(url, r.status_code, r["Content-Type"], len(r.content))
        if r.status_code != 200: print(r.content[:3000])
    print(c.get("/o/mali/5w/pivot/?rows=admin2,organisation&format=csv").content.decode())
    print(c.get("/o/mali/5w/presence.geojson?level=2").content.decode()[-800:])
