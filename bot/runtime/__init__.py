"""Running the program: the scheduler, `legiswatch run`, delivery of the outbox (Slack or console)."""
