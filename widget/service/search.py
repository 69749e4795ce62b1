"""Influencer search: accounts strongest in a topic (or any topic under it), by topic weight,
then score, with a score floor and an optional network; paged by cursor."""

from __future__ import annotations

import sqlalchemy as sa

from ..store import community as store_community
from ..store import scores as store_scores
from ..topics import load_ontology
from . import paging


class SearchService:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def search(
        self, topic: str | None, min_score: int, network: str | None, limit: int, cursor: str | None
    ) -> tuple[list, str | None]:
        """A page of results of the latest scored day, and the cursor of the next page.
        ``topic`` (checked by the caller to be in the ontology) covers its sub-topics."""
        after = paging.decode_search(cursor) if cursor is not None else None  # '' is no cursor
        slugs = sorted(load_ontology().descendants(topic)) if topic else None
        with self.engine.connect() as conn:
            day = store_scores.latest_day(conn)
            rows = (
                []
                if day is None
                else store_community.search(conn, day, slugs, min_score, network, limit + 1, after)
            )
        return paging.cut(rows, limit, lambda r: (r.weight, r.score_exact, r.id))

    def strongest_under(self, slug: str, limit: int) -> list:
        """The accounts strongest in ``slug`` or any topic under it (first page, no floor)."""
        rows, _ = self.search(slug, 1, None, limit, None)
        return rows
