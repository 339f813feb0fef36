"""The JSON API (django-ninja); OpenAPI schema at /api/openapi.json, docs at /api/docs."""
