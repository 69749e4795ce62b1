"""What a channel says when a message did not go out, so the outbox knows what to do next."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message was not delivered.

    ``retry``: a later attempt may succeed (a 4xx SMTP reply, a dropped connection, a 5xx
    from the bot's instance); otherwise it never will (a 5xx SMTP reply, a 422).
    ``not_before``: epoch seconds before which nothing may be sent on this channel (a 429's
    reset): the message waits, and the attempt does not count.
    ``channel_down``: the channel itself is unusable right now (refused credentials, a rate
    limit): the rest of this pass leaves the channel alone.
    """

    def __init__(
        self,
        message: str,
        *,
        retry: bool,
        not_before: float | None = None,
        channel_down: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.not_before = not_before
        self.channel_down = channel_down
