"""What saving by URL allows, from the settings (reading.md, Saving a URL)."""

from __future__ import annotations

from dataclasses import dataclass

from nexus.config import Settings

__all__ = ["SavingPolicy"]


@dataclass(frozen=True, slots=True)
class SavingPolicy:
    """Hosts the fetcher may reach although they are not public (NEXUS_INGEST_ALLOW_HOSTS,
    as (host, port) pairs), and how many saves a viewer may have in progress."""

    allow_hosts: frozenset[tuple[str, int]] = frozenset()
    max_active: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> SavingPolicy:
        return cls(settings.ingest_allow_hosts, settings.nexus_ingest_max_active)
