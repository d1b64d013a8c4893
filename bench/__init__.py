"""Benchmarks of the migration plan: legacy SQLite vs the hybrid project."""
