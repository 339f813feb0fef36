"""Probes and trials: protocols, randomisation, monitoring and results."""
