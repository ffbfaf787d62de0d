"""Socket Mode: the Bolt app over a WebSocket Slack opens for us (no public URL needed).

Uses Bolt's recommended built-in adapter (``slack_bolt.adapter.socket_mode.SocketModeHandler``,
slack_sdk's own WebSocket client): its ``connect()`` completes the handshake before returning, and
its monitor reconnects when the session drops. (The ``websocket-client`` adapter was tried: its
monitor can declare a brand-new session dead before the session thread opens it and reconnect,
wasting the URL.) The WebSocket URL comes from ``apps.connections.open``, called with the
app-level ``xapp-`` token through the app's WebClient, so its base URL applies.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from scrapers.errors import BadInput

log = logging.getLogger(__name__)


def start_socket_mode(app: App, app_token: str, *, ping_interval: float = 10.0) -> SocketModeHandler:
    """Connect ``app`` over Socket Mode and return the handler (``.close()`` to stop).

    Returns once connected; listeners then run on the handler's threads."""
    if not app_token or not app_token.startswith("xapp-"):
        raise BadInput("Socket Mode needs SLACK_APP_TOKEN, an app-level token (xapp-…) with connections:write")
    handler = SocketModeHandler(app, app_token, ping_interval=ping_interval, auto_reconnect_enabled=True)
    handler.connect()
    log.info("Socket Mode connected")
    return handler


def stop_socket_mode(handler: SocketModeHandler) -> None:
    """Stop reconnecting and close. slack_sdk's close can race its own receive thread when Slack
    hangs up at the same moment (``'NoneType' object has no attribute 'close'``): either way the
    socket is closed, so that race is logged, not raised."""
    handler.client.auto_reconnect_enabled = False
    try:
        handler.close()
    except AttributeError:
        log.debug("Socket Mode: the connection closed while we were closing it", exc_info=True)
