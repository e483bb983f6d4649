"""The base every app uses: roles, errors, transition tables, the audit trail, events, rate limits, middleware
and the shared form and API helpers. It imports no domain app (the import contract in pyproject.toml)."""
