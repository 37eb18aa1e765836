"""Operations: Prometheus metrics of the API and the worker, and the worker's health answer.

Nothing here is imported while metrics are off, except the request record (a context
variable and a small class) and the worker's health listener, so a process with metrics
off does no metrics work and imports no prometheus-client. docs/operations.md lists the
metrics and how to scrape them.
"""
