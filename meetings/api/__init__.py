"""The read-only JSON API for partners' sites (/api/v1/), described by /api/v1/openapi.json."""
