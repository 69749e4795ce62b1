"""Direct mentions from a Mastodon bot the operator configures.

``WIDGET_MASTODON_BOT`` is ``{"instance": "bots.example", "token": "..."}`` (JSON): the bot's
instance and an access token with ``write:statuses``. A mention is ``POST /api/v1/statuses``
with ``visibility=direct`` (only the mentioned account sees it) and an ``Idempotency-Key``
derived from the outbox row, so a retry after a lost answer cannot post twice. It goes through
the same hardened client as fetches (SSRF rules, timeouts, the host's rate budget): after a
429 nothing is sent to the instance until its reset.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidParameter, NotFound, UpstreamUnavailable
from ..sources.http import UpstreamHTTPError, UpstreamRateLimited
from .errors import DeliveryError

MAX_CHARS = 500  # Mastodon's default status length


@dataclass(frozen=True)
class BotSettings:
    instance: str  # host name (a port only for loopback fakes in tests)
    token: str


def parse_bot(value) -> BotSettings | None:
    """``WIDGET_MASTODON_BOT`` (already parsed from JSON), or None when not configured;
    ValueError says how to write it."""
    if not value:
        return None
    if isinstance(value, dict):
        instance, token = value.get("instance"), value.get("token")
        if isinstance(instance, str) and isinstance(token, str) and instance and token:
            instance = instance.strip().removeprefix("https://").rstrip("/")
            return BotSettings(instance=instance, token=token.strip())
    raise ValueError(
        'WIDGET_MASTODON_BOT must be {"instance": "bots.example", "token": '
        '"an access token with write:statuses"}'
    )


class MastodonBot:
    def __init__(self, settings: BotSettings, client_source):
        self.settings = settings
        self._client_source = client_source  # an object with .client (service.upstream)

    def post_direct(self, text: str, idempotency_key: str) -> str:
        """Post ``text`` (which starts with the @mention) as a direct status; returns the
        status id, or raises DeliveryError."""
        client = self._client_source.client
        instance = self.settings.instance
        try:
            url = client.base_url(instance) + "/api/v1/statuses"
            doc, _ = client.post_form(
                url,
                {"status": text[:MAX_CHARS], "visibility": "direct"},
                {
                    "Authorization": f"Bearer {self.settings.token}",
                    "Idempotency-Key": idempotency_key,
                },
            )
        except UpstreamRateLimited as e:
            raise DeliveryError(
                f"{instance} is rate-limiting the bot; waiting until its reset",
                retry=True,
                not_before=e.retry_at,
                channel_down=True,
            ) from None
        except UpstreamHTTPError as e:
            status, why = e.upstream_status, e.error or e.message
            if status in (401, 403):
                raise DeliveryError(
                    f"{instance} refused the bot's token ({status}: {why}); "
                    "check WIDGET_MASTODON_BOT",
                    retry=True,
                    channel_down=True,
                ) from None
            raise DeliveryError(
                f"{instance} refused the status ({status}: {why})", retry=False
            ) from None
        except InvalidParameter as e:  # the SSRF guard or a malformed instance
            raise DeliveryError(
                f"the bot's instance is refused: {e.message}", retry=True, channel_down=True
            ) from None
        except NotFound as e:
            raise DeliveryError(
                f"{instance} has no statuses API: {e.message}", retry=True, channel_down=True
            ) from None
        except UpstreamUnavailable as e:
            raise DeliveryError(e.message, retry=True, channel_down=True) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            raise DeliveryError(f"{instance} answered without a status id", retry=True)
        return doc["id"]
