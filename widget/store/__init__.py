"""The store owns every SQL statement. Other layers call these functions with an engine."""

from .engine import default_url, make_engine

__all__ = ["default_url", "make_engine"]
