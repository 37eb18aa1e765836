"""Load runs against a real `nexus serve` (`python -m nexus.bench.load`, `task load`)."""
