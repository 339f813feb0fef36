"""Evaluations where randomising is impossible: difference-in-differences, interrupted time
series, synthetic control and regression discontinuity, each with a pre-registered plan that
is frozen on registration and amended only with reasons, beside probes and trials."""
