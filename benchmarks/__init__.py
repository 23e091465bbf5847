"""Benchmarks: measured, printed and saved, never asserted by a timed test."""
