"""Where activity comes from: JSONL import, the demo community, and the Mastodon and Bluesky
connectors (which reach their networks through the hardened client in ``http``)."""
