"""The command table: each command defined once — its arguments and their help, how it runs, what it
returns, its exit codes — for the three front ends that offer it (the CLI, ``chat`` and Slack's
slash commands). Front ends parse with :mod:`bot.commands.parse`, run with
:func:`bot.commands.run.execute` and only render the result."""
