"""English date formats: day before month, as in most of the places Tutela serves ("12 Oct 2026"),
never the US 10/12/2026 that reads as 10 December elsewhere. The long DATE_FORMAT ("October 12,
2026") names the month and stays Django's."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
DATETIME_FORMAT = "j M Y, H:i"
