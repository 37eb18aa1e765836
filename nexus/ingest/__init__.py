"""Turning a saved URL into a readable article: URL rules, the guarded fetcher, and the
pure pipeline (decode, extract, sanitize, canonical text) that the worker, the benchmark
and the tests run alike. Nothing here touches the database."""
