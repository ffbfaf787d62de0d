"""Front ends for a person at a terminal: the CLI, chat, console rendering, the demo."""
