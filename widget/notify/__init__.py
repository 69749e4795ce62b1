"""Outbound channels for notifications: e-mail through SMTP (stdlib ``smtplib``) and direct
mentions from a Mastodon bot (through the hardened upstream client), the messages they carry
(templates, in the recipient's language where a catalog exists), and the one error type a
channel raises, which says whether and when to try again."""
