"""Socket Mode against a local WebSocket server: a slash command envelope is acknowledged over the
socket and answered through its response_url."""

from __future__ import annotations

import json
import queue
import threading

import pytest
from slackkit import client_for, flagship_bill, make_ctx
from websockets.sync.server import serve

from bot.slack.app import build_app
from bot.slack.socket import start_socket_mode, stop_socket_mode
from scrapers.errors import BadInput


class SocketModeServer:
    """Plays Slack's side of Socket Mode: hello, then the queued envelopes; records what comes back."""

    def __init__(self, envelopes: list[dict]) -> None:
        self.envelopes = envelopes
        self.received: queue.Queue = queue.Queue()
        self.connections: list = []
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link/?ticket=t1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handle(self, ws) -> None:
        self.connections.append(ws)
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"},
                            "debug_info": {"host": "local", "approximate_connection_time": 3600}}))
        for env in self.envelopes:
            ws.send(json.dumps(env))
        try:
            for message in ws:
                self.received.put(json.loads(message))
        except Exception:  # noqa: BLE001 — the client hung up
            pass

    def __enter__(self) -> SocketModeServer:
        self.thread.start()
        return self

    def hang_up(self) -> None:
        """Close the open sockets from Slack's side (the client's own close waits for its 3 s read)."""
        for ws in self.connections:
            ws.close()

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)


def slash_envelope(envelope_id: str, command: str, text: str, response_url: str) -> dict:
    return {"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True,
            "payload": {"token": "legacy", "team_id": "T1", "team_domain": "test", "channel_id": "CPOLICY",
                        "channel_name": "policy", "user_id": "U1", "user_name": "u1", "command": command,
                        "text": text, "api_app_id": "A1", "response_url": response_url, "trigger_id": "1.2.3"}}


def test_a_slash_command_envelope_is_acknowledged_and_answered(db_url, slack_fake):
    ctx = make_ctx(db_url, slack_fake)
    ctx.repo.record([flagship_bill()], ctx.analyzer)
    app = build_app(ctx, client=client_for(slack_fake))
    envelope = slash_envelope("env-bill-1", "/bill", "H.R. 2683 119th", slack_fake.response_url("sock"))
    with SocketModeServer([envelope]) as ws_server:
        # a loaded machine may make the client reconnect once: every open gets the local URL
        slack_fake.script("apps.connections.open", [{"ok": True, "url": ws_server.url}] * 5)
        handler = start_socket_mode(app, "xapp-1-test")
        try:
            ack = ws_server.received.get(timeout=15)
            assert ack["envelope_id"] == "env-bill-1"
            assert "Looking up H.R. 2683 (119th)" in ack["payload"]["text"]
            (answer,) = slack_fake.wait_for("response_url", 1, timeout=15)
            assert "Remote Access Security Act" in answer.body["text"]
            assert answer.body["response_type"] == "in_channel"
        finally:
            ws_server.hang_up()
            stop_socket_mode(handler)
    opened = slack_fake.calls_to("apps.connections.open")
    assert opened and all(c.headers.get("Authorization") == "Bearer xapp-1-test" for c in opened)


def test_socket_mode_needs_an_app_level_token(db_url, slack_fake):
    app = build_app(make_ctx(db_url, slack_fake), client=client_for(slack_fake))
    with pytest.raises(BadInput, match="xapp-"):
        start_socket_mode(app, "xoxb-not-an-app-token")
