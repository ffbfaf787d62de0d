"""Regenerate README.md from docs/README.template.md and the settings table in bot/services/config.py."""
from bot.services.config import settings_table
rows = []
for s in settings_table():
    d = s.default if s.default not in ("", None) else None
    rows.append(f"| `{s.name}` | {'`'+str(d)+'`' if d is not None else '—'} | {s.help} |")
TABLE = "\n".join(rows)
text = open("docs/README.template.md", encoding="utf-8").read().replace("{{SETTINGS_TABLE}}", TABLE)
open("README.md", "w", encoding="utf-8").write(text)
