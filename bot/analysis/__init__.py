"""The analysis room: pure functions over stored records — bill stages, section-level diffs,
materiality, summaries (LLM or offline). No Slack, no scrapers."""
