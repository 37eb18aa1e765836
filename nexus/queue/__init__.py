"""The job queue: procrastinate on the application's PostgreSQL (reading.md, Processing)."""
