"""What every front end shares about output: exit statuses and JSON for scripts."""

from __future__ import annotations

import json

EXIT_OK, EXIT_FAIL, EXIT_BAD = 0, 1, 2


def print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))
