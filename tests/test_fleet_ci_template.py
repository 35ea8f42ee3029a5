"""The fleet's CI matrix template: one job per shard, every shard uploaded, then a merge job.

The template is for users' repositories (docs/ci/), not this project's CI: these tests read it."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from zdconform.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = yaml.safe_load((ROOT / "docs" / "ci" / "fleet-matrix.github.yml").read_text())
JOBS = TEMPLATE["jobs"]


def commands(job: str) -> list[str]:
    return [step["run"] for step in JOBS[job]["steps"] if "run" in step and "zdconform" in step["run"]]


def test_one_job_per_shard_covers_the_whole_fleet():
    shards = JOBS["shard"]["strategy"]["matrix"]["shard"]
    (run,) = commands("shard")
    words = shlex.split(run.replace("${{ matrix.shard }}", "1"))
    args, extra = _parser().parse_known_args(words[1:])
    assert (args.command, args.fleet, extra) == ("run", "fleet.yaml", ["-n", "4"])
    assert args.fleet_shard == f"1/{len(shards)}" and shards == list(range(1, len(shards) + 1))
    assert JOBS["shard"]["strategy"]["fail-fast"] is False  # one failing tenant keeps the others' evidence


def test_every_shard_uploads_its_reports_and_cassettes_and_the_merge_reads_them_all():
    upload = next(s for s in JOBS["shard"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and {"reports/", "cassettes/"} <= set(upload["with"]["path"].split())
    assert "${{ matrix.shard }}" in upload["with"]["name"]
    download = next(s for s in JOBS["merge"]["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["pattern"] == upload["with"]["name"].replace("${{ matrix.shard }}", "*")
    assert JOBS["merge"]["needs"] == "shard" and JOBS["merge"]["if"] == "always()"


def test_credentials_come_only_from_the_secret_store():
    for name, value in JOBS["shard"]["env"].items():
        assert value == f"${{{{ secrets.{name} }}}}", name


def test_the_merge_command_is_a_real_command():
    (merge,) = commands("merge")
    words = shlex.split(merge)
    if "merge" not in _parser()._subparsers._group_actions[0].choices:  # type: ignore[union-attr]
        pytest.skip("`zdconform merge` is built separately; its command line is checked once it is here")
    _parser().parse_args(words[1:])
