"""Influence Widget: Klout-style influence scores as badges, JSON, oEmbed and a blog widget.

``create_app`` is imported on first use, so a process that only scores (a cron rescore, a Dask
or Spark worker) does not load the web stack."""

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
