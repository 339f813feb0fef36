"""The `seedbed` command: one entry point for the platform and every engine."""
