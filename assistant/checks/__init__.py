"""Checks on what comes in and what goes out: personal data, scope, requests, specifics, coverage,
and the output guardrails (links, quotes, hidden text, instruction-like text)."""
