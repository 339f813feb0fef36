"""Trial data: ingestion with validation and push-down aggregation of sufficient statistics."""
