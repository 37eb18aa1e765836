"""`python -m nexus.bench`: the throughput benchmark (see `nexus.bench.throughput`)."""

from nexus.bench.throughput import main

main()
