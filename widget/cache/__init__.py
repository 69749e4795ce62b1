"""Caching tiers: bounded in-process caches (and, later, Redis behind them)."""
