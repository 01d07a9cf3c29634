"""The 5W API under /api/v1/operations/<slug>/5w/: rows, pivot, presence, coverage and gaps."""
