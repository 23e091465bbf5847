"""Filling the data directory from the publishers: the registry, checksums, normalisation."""
