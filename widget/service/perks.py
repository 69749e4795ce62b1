"""Who a perk campaign is open to: one rule, used by the claim route, the perks list and the
notifications that tell qualifying owners about a campaign."""
from __future__ import annotations

import json

from ..topics import load_ontology


def is_open(perk, at: int) -> bool:
    return perk.starts_at <= at < perk.ends_at and perk.claims < perk.max_claims


def qualifies(perk, rec, at: int) -> bool:
    """Open, claims left, score at least min_score, and one of the perk's topics (or a
    sub-topic of it) among the account's visible topics."""
    if not is_open(perk, at) or rec.score < perk.min_score:
        return False
    onto = load_ontology()
    mine = {t.slug for t in rec.topics}
    return any(mine & onto.descendants(t) for t in json.loads(perk.topics) if t in onto)
