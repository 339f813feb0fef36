"""Portfolio views, one module per noun: ``innovation`` (the leaders' view, records, links
and spend), ``decision`` (gate decisions), ``risk`` (registers and risk appetite) and
``lifecycle`` (stage sets)."""
