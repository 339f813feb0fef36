"""Deterministic demo data for a fictional council, built through the services."""
