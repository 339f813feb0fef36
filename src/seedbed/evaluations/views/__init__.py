"""Evaluation pages, split by noun: ``evaluation`` (the list, starting one, its page) and
``plan`` (editing, registering and amending the plan)."""
