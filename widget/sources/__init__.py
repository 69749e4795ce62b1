"""Where activity comes from: JSONL import and the demo community (later: Mastodon, Bluesky)."""
