"""Trials pages: the public registry, the workspace, frontline enrolment, safety monitoring."""
