"""Participatory budgeting: the Pabulib format and counting rules. No Django."""
