"""Services: what legiswatch does, independent of how it is asked (CLI, chat, Slack) or run
(scheduler). They use storage, analysis and the scrapers; never Slack or a front end."""
