"""The Slack adapter: the Bolt app (``app``), slash commands (``listeners``), Block Kit rendering
(``blocks``), mrkdwn escaping (``escape``), outbox delivery (``outbox``), HTTP mode (``server``)
and Socket Mode (``socket``). Services never import this package; the rules are in ``docs/architecture.md``."""
