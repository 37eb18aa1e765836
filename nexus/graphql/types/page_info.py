"""PageInfo: where a page of a connection sits in its list."""

from __future__ import annotations

import strawberry

from nexus.services.pagination import Page

__all__ = ["PageInfo", "page_info"]


@strawberry.type(
    description=(
        "Where a page sits in its list (Relay cursor connections, forward pagination with "
        "`first`/`after`)."
    )
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True iff more items follow this page (exact)."
    )
    has_previous_page: bool = strawberry.field(
        description=(
            "True iff the page was asked for `after` a cursor and the list still holds an "
            "item at or before that cursor's position (exact)."
        )
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first edge; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description=(
            "The cursor of the page's last edge (pass it as `after` for the next page); null "
            "when the page is empty."
        )
    )


def page_info(page: Page, start_cursor: str | None, end_cursor: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=start_cursor,
        end_cursor=end_cursor,
    )
