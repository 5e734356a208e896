"""Evaluations: datasets, small evaluators, a runner, reports and run comparison (see README.md)."""
