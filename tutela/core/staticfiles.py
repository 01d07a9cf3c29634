"""Static files with hashed names (app.3f2a1c.css), compressed once (gzip, brotli), served by
whitenoise with a year's `immutable` cache lifetime: a changed file gets a new name, so browsers
never need to ask again and never keep a stale copy."""

from __future__ import annotations

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    # References rewritten to hashed names: CSS url() and @import only. Source-map comments are
    # left alone: vendored libraries name maps they do not ship (leaflet.js.map), which would
    # stop collectstatic.
    patterns = (("*.css", HashedFilesMixin.patterns[0][1][:2]),)
