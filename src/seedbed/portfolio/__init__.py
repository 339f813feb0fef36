"""Innovations on one lifecycle, with risks, stage gates and spend."""
