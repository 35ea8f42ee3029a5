"""The compiled validator (jsonschema_rs) and jsonschema give the same verdict on every body the
project holds: each recorded response of every committed cassette (the reference emulator's
answers) and every realistic and broken sample of tests/test_schemas.py, each against every
schema, so that both valid and invalid pairs are compared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from test_schemas import NEGATIVE, POSITIVE

from zdconform.conformance.schemas import load_registry
from zdconform.recording.interactions import body_json, read_interactions

ROOT = Path(__file__).resolve().parent.parent


def _bodies() -> list[tuple[str, Any]]:
    bodies = [(f"{p.relative_to(ROOT)}#{i['index']}", body_json(i["response"]["body"]))
              for p in sorted((ROOT / "cassettes").rglob("*.yaml")) for i in read_interactions(p)]
    bodies += [(f"test_schemas:{case.id}", case.values[1]) for case in [*POSITIVE, *NEGATIVE]]
    return bodies


def test_both_validators_give_the_same_verdict_on_every_body() -> None:
    registry = load_registry()
    bodies = _bodies()
    assert len(bodies) > 150  # the cassettes were found
    verdicts = {True: 0, False: 0}
    for name in registry.names():
        reference = Draft202012Validator(registry.schema(name), registry=registry.registry)
        for where, body in bodies:
            expected = reference.is_valid(body)
            assert registry.is_valid(body, name) == expected, f"{where} against {name}: jsonschema says {expected}"
            assert (registry.validate(body, name) == []) == expected, f"{where} against {name}"
            verdicts[expected] += 1
    assert verdicts[True] > 100 and verdicts[False] > 1000, verdicts  # both kinds of verdict were compared


@pytest.mark.parametrize("ref", ["https://elsewhere.invalid/schema.json", "common.json#/$defs/nothing"])
def test_a_ref_the_schemas_do_not_hold_fails_at_load(tmp_path: Path, ref: str) -> None:
    from zdconform.conformance.verdicts import compiled_validators

    schema = {"$id": "https://zdconform.invalid/schemas/x.json", "$ref": ref}
    common = {"$id": "https://zdconform.invalid/schemas/common.json", "$defs": {}}
    with pytest.raises(Exception, match=r"elsewhere\.invalid|/\$defs/nothing"):  # jsonschema_rs's own errors
        compiled_validators({"x": schema, "common": common})
