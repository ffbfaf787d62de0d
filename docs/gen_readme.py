"""Regenerate README.md from docs/README.template.md, the settings table (bot/services/config.py)
and the command table (bot/commands/table.py, bot/frontends/cli.py)."""
from bot.frontends.cli import commands_markdown
from bot.services.config import settings_table

rows = []
for s in settings_table():
    d = s.default if s.default not in ("", None) else None
    rows.append(f"| `{s.name}` | {'`'+str(d)+'`' if d is not None else '—'} | {s.help} |")
TABLE = "\n".join(rows)
text = open("docs/README.template.md", encoding="utf-8").read()
text = text.replace("{{SETTINGS_TABLE}}", TABLE).replace("{{COMMANDS_TABLE}}", commands_markdown())
open("README.md", "w", encoding="utf-8").write(text)
