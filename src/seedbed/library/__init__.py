"""Cases: what was tried, what it cost and what the evidence says."""
