"""Funding services: the only code that writes funding records (split by noun)."""
