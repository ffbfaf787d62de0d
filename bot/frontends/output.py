"""JSON for scripts, as every ``--json`` prints it."""

from __future__ import annotations

import json


def print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))
