"""Evaluation pages, split by noun (``evaluation``: the list and an evaluation's page)."""
