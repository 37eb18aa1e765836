"""Realtime fan-out: media events from PostgreSQL NOTIFY to the subscribers of this process.

Knows NOTIFY payloads and subscribers, not GraphQL documents: a subscriber says which
media it watches, resolves an event for its viewer, and receives what was resolved.
"""

from nexus.realtime.events import MediaEvent, parse_media_event
from nexus.realtime.hub import Fanout
from nexus.realtime.listener import MediaEventListener
from nexus.realtime.subscriber import Subscriber

__all__ = ["Fanout", "MediaEvent", "MediaEventListener", "Subscriber", "parse_media_event"]
