"""Voices pages, one module per noun: needs and ideas (``contributions``), supporting,
following, commenting and reporting (``engagement``), handling by staff (``handling``), themes,
residents without an account (``email``), and open and personal data (``data``). Rate limits
on what people send are in ``rate_limits``."""
