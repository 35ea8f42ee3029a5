"""The fleet CI template (docs/ci/fleet-matrix.github.yml): one job per shard, then one merge.

Its shard list and `--fleet-shard K/N` agree, each shard uploads its reports with its cassettes
(merge verifies them), and the merge job downloads every shard and names each one's reports
folder to `zdconform merge`, a command line the CLI parses.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from zdconform.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = yaml.safe_load((ROOT / "docs" / "ci" / "fleet-matrix.github.yml").read_text())
JOBS = TEMPLATE["jobs"]


def commands(job: str) -> list[str]:
    return [step["run"] for step in JOBS[job]["steps"] if "run" in step]


def uses(job: str, action: str) -> dict:
    return next(step for step in JOBS[job]["steps"] if step.get("uses", "").startswith(action))


def test_the_matrix_and_the_shard_option_agree():
    shards = JOBS["shard"]["strategy"]["matrix"]["shard"]
    run = next(c for c in commands("shard") if c.startswith("zdconform run"))
    assert f"--fleet-shard ${{{{ matrix.shard }}}}/{len(shards)}" in run
    assert shards == list(range(1, len(shards) + 1))
    assert JOBS["shard"]["strategy"]["fail-fast"] is False


def test_each_shard_uploads_its_reports_with_its_cassettes_even_when_it_fails():
    upload = uses("shard", "actions/upload-artifact")
    assert upload["if"] == "always()"
    assert set(upload["with"]["path"].split()) == {"reports/", "cassettes/"}
    assert upload["with"]["name"] == "fleet-shard-${{ matrix.shard }}"


def test_the_merge_job_merges_every_shard_by_name():
    assert JOBS["merge"]["needs"] == "shard" and JOBS["merge"]["if"] == "always()"
    download = uses("merge", "actions/download-artifact")
    assert download["with"] == {"pattern": "fleet-shard-*", "path": "shards"}
    merge = next(c for c in commands("merge") if c.startswith("zdconform merge"))
    args = _parser().parse_args(shlex.split(merge)[1:])
    shards = len(JOBS["shard"]["strategy"]["matrix"]["shard"])
    assert args.command == "merge" and args.reports == [f"shards/fleet-shard-{k}/reports" for k in range(1, shards + 1)]
    assert args.out == "shards" and not args.no_cassettes
    assert uses("merge", "actions/upload-artifact")["with"]["path"] == "shards/"
