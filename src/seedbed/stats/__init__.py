"""Trial statistics: designs, power, randomisation, estimators, monitoring. No Django, no I/O."""
