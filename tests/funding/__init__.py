"""Funding tests."""
