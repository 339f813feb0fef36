"""Services: the only code that writes probes, trials and their records.

Split by noun: ``probes`` (safe-to-fail probes), ``protocols`` (drafting, safeguards,
registration and amendments), ``allocation`` (enrolment), ``monitoring`` (safety events,
interim looks, decisions) and ``results`` (outcome data, analysis, publishing).
"""
