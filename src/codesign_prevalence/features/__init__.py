"""Spark transforms: pure DataFrame -> DataFrame functions, no I/O and no session lookups."""
