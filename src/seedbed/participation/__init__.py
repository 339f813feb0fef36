"""Needs, ideas, themes and closing the loop."""
