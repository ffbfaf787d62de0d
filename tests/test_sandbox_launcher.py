"""``python -m bot.sandbox``: the sandbox as a process, for running the real program offline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from bot.sandbox.__main__ import ENV_NAMES
from bot.services.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_name_it_prints_is_a_setting_for_that_url():
    aliases = {name: info.alias for name, info in Settings.model_fields.items()}
    for field, env in ENV_NAMES.items():
        assert aliases[field] == env


def test_it_prints_the_settings_then_serves_until_sigterm():
    proc = subprocess.Popen([sys.executable, "-m", "bot.sandbox"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        env = {}
        for line in proc.stdout:
            if line.strip() == "ready":
                break
            name, _, value = line.strip().partition("=")
            env[name] = value
        assert set(env) == set(ENV_NAMES.values())
        url = env["LEGISWATCH_CONGRESS_API_URL"] + "/bill/119/hr/2683?format=json"
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert b"Remote Access Security Act" in resp.read()
        assert all(v.startswith("http://127.0.0.1:") for v in env.values())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
