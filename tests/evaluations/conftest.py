"""Fixtures for the evaluations tests: the light world of personas the trials tests use."""

from tests.trials.conftest import trial_world  # noqa: F401
