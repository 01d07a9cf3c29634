"""The REST API under /api/v1/: thin views over the access layer, selectors and services."""
