"""Influence Widget: Klout-style influence scores as badges, JSON, oEmbed and a blog widget."""

from .app import create_app

__all__ = ["create_app"]
