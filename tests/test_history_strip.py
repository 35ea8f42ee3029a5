"""evidence.html's history strip: the last verdicts of each check, from a history.json (`zdconform report
--history FILE`), on `_history`'s planted runs."""

from __future__ import annotations

import re
import shutil

import pytest
from _history import REVOKE, write_history_runs

from zdconform.cli import main
from zdconform.exceptions import UsageError
from zdconform.reporting import timeline
from zdconform.reporting.history import write_history
from zdconform.reporting.history_strip import strip


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("strip")
    folders = write_history_runs(root)
    write_history(folders, root / "history.json")
    return folders, root / "history.json"


def last_of_acme(history) -> dict:
    """acme's last evidence, found as the history names it."""
    document = timeline.load(history)
    return timeline.latest_evidence(document, history.parent, document["tenants"][0])[0]


def row(page: str, check_id: str) -> list[str]:
    line = re.search(rf"<tr><td><code>{re.escape(check_id)}</code></td>(.*?)</tr>", page)
    assert line, check_id
    return re.findall(r'title="([^"]+)"', line.group(1))


def test_the_strip_shows_each_checks_last_verdicts_and_what_changed(planted):
    _, history = planted
    evidence = last_of_acme(history)
    fragment = strip(timeline.load(history), evidence)
    assert row(fragment, REVOKE) == ["pass", "pass", "fail", "fail", "pass"]
    assert fragment.count('<th class="this-run">') == 1 and "run 5<br>2026-11-30" in fragment
    assert f"{REVOKE} stops failing (pass) at run 5 (2026-11-30)" in fragment
    assert len(re.findall(r"<th>run \d", strip(timeline.load(history), evidence, runs=2))) == 1  # and the marked one


def test_a_history_without_the_tenant_is_refused(planted):
    folders, history = planted
    with pytest.raises(UsageError, match="holds no run of tenant 'acme'"):
        strip(timeline.load(folders[1]), last_of_acme(history))  # a fleet run of beta and gamma only


def test_report_with_a_history_writes_the_strip_into_the_page(planted, tmp_path, capsys):
    folders, history = planted
    reports = shutil.copytree(folders[-2], tmp_path / "reports")
    assert main(["report", "--reports", str(reports), "--history", str(history)]) == 0, capsys.readouterr()
    page = (reports / "evidence.html").read_text()
    assert 'id="history-strip"' in page and row(page, REVOKE)[-1] == "pass"
    assert main(["report", "--reports", str(reports)]) == 0
    assert 'id="history-strip"' not in (reports / "evidence.html").read_text()


def test_report_refuses_a_missing_history(planted, tmp_path, capsys):
    reports = shutil.copytree(planted[0][0], tmp_path / "reports")
    assert main(["report", "--reports", str(reports), "--history", str(tmp_path / "none.json")]) == 2
    assert "is not a file" in capsys.readouterr().err and not (reports / "evidence.html").exists()
