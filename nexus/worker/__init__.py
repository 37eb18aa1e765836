"""`nexus worker`: runs the queue's jobs (reading.md, Processing)."""
