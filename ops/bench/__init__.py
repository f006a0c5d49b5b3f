"""Benchmarks: plain scripts that measure, never timed tests."""
