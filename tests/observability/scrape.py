"""Reading a scrape: samples by name and labels, and what changed between two scrapes."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scrape: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 when it is absent (not yet recorded)."""
    return scrape.get((name, frozenset(labels.items())), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def labelled(scrape: Samples, name: str) -> list[dict[str, str]]:
    """The label sets a sample name is exposed with."""
    return [dict(labels) for (sample, labels) in scrape if sample == name]
