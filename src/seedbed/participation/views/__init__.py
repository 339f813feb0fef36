"""Voices pages: public, engagement, staff handling, open and personal data."""
