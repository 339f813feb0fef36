"""Core: base models, access gatekeepers, the audit chain, errors and tasks."""
