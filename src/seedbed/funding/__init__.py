"""Funds, calls, applications, reviewing, awards and participatory budgets."""
