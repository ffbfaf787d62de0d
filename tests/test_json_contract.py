"""The ``--json`` outputs keep the contract's keys: each command's output on the sandbox has the
shape recorded before the typed results replaced the dicts (``tests/data/contract/json_shapes.json``,
written once from ``shape(outputs(...))`` with the code of commit 31a4490, before the card was typed)."""

from __future__ import annotations

import json

from json_shapes import SHAPES, outputs, shape


def test_json_outputs_keep_their_shape(db_url, gov_sandbox, monkeypatch, capsys):
    got = {name: shape(value) for name, value in outputs(db_url, gov_sandbox, monkeypatch, capsys).items()}
    want = json.loads(SHAPES.read_text(encoding="utf-8"))
    for name in want:
        missing = lost(got[name], want[name], name)
        assert not missing, missing


def lost(got, want, path: str) -> list[str]:
    """What of ``want`` (the recorded shape) ``got`` no longer has: a key, or a value of another
    type. New keys are allowed (the contract grows: ``ended``); null matches any type."""
    if want == "null" or got == "null":
        return []
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path}: now {got!r}"]
        return [p for k, v in want.items() for p in
                ([f"{path}.{k}: missing"] if k not in got else lost(got[k], v, f"{path}.{k}"))]
    if isinstance(want, list):
        if not isinstance(got, list):
            return [f"{path}: now {got!r}"]
        if not want or not got:
            return []
        return lost(got[0], want[0], f"{path}[]")
    return [] if got == want else [f"{path}: {want} → {got}"]


def test_the_comparison_finds_a_lost_key():
    assert lost({"a": {"b": "int"}}, {"a": {"b": "int", "c": "str"}}, "x") == ["x.a.c: missing"]
    assert lost({"a": "str"}, {"a": "int"}, "x") == ["x.a: int → str"]
    assert lost({"a": "int", "new": "str"}, {"a": "int"}, "x") == []
