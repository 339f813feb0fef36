"""Funding pages, split by noun. Views: form → one service or selector → render."""
