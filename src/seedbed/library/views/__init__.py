"""Library views, one module per noun: ``case`` (search, case pages, writing and publishing),
``attachment`` (a case's files) and ``opendata`` (the published cases as open data)."""
