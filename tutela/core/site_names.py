"""What a site (village, camp, neighbourhood) may be written as, in 5W rows and incidents.

A site is a place name or code: it starts with a letter or digit and holds letters (any script),
digits, spaces and the punctuation of place names (. , ' ’ - / ( ) # & : ° _). Anything else is
refused with a clear message rather than stored: "-1+1" or "=HYPERLINK(...)" is a spreadsheet
formula, not a place, and would run in whoever opens an export; "@", "<", ";" or a line break do
not belong in a place name either.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

SITE_PATTERN = re.compile(r"[^\W_][\w .,'’/()#&:°-]*")


def site_is_valid(value: str) -> bool:
    return not value or SITE_PATTERN.fullmatch(value) is not None


def site_problem_message() -> str:
    return _(
        "A site is a place name or code: it starts with a letter or a digit and holds only "
        "letters, digits, spaces and . , ' - / ( ) # & : °"
    )
