"""Seedbed: public-service innovation, run safely and in the open."""

__version__ = "0.1.0"
