"""Generated OpenAPI v3 documents (see scripts/gen_openapi.py); data files only."""
