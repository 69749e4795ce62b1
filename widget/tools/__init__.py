"""Maintenance scripts run by hand (``python -m widget.tools.<name>``), never by the service."""
