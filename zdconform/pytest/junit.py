"""pytest's junit.xml of a conformance session: staged, then published beside the evidence.

junit.xml goes beside the evidence (unless `--junitxml` names another file, or `-p no:junitxml`
turned pytest's junitxml off). pytest writes it into a staging folder of its own; it reaches the
reports folder only with the run's other reports, so a refused run leaves every report of the run
before it as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from _pytest.junitxml import xml_key

from ..recording.files import atomic_write

__all__ = ["JunitPaths", "name_junit", "publish_junit", "stage_junit", "write_refusal"]

JunitPaths = tuple[Path | None, Path | None]  # where pytest writes it, where it is published


def stage_junit(config: pytest.Config, reports: Path) -> JunitPaths:
    """Where pytest writes this session's junit.xml, and where it is published (the same file for
    `--junitxml`); (None, None) when pytest writes none (`-p no:junitxml`)."""
    if hasattr(config.option, "xmlpath") and not config.option.xmlpath:
        staged = Path(tempfile.mkdtemp(prefix="zdconform-junit-"))
        config.add_cleanup(lambda: shutil.rmtree(staged, ignore_errors=True))
        config.option.xmlpath = str(staged / "junit.xml")
        return staged / "junit.xml", reports / "junit.xml"
    given = getattr(config.option, "xmlpath", None)
    return (Path(given), Path(given)) if given else (None, None)


def publish_junit(config: pytest.Config, paths: JunitPaths) -> None:
    """pytest's junit.xml of the session (a fleet's), from where it was staged into the reports folder."""
    staged, final = paths
    if staged is not None and final is not None and staged != final and staged.is_file():
        atomic_write(final, staged.read_text(encoding="utf-8"))
        name_junit(config, final)


def name_junit(config: pytest.Config, path: Path) -> None:
    """pytest's closing line ("generated xml file: ...") names the junit.xml the reports folder holds."""
    xml = config.stash.get(xml_key, None)
    if xml is not None:
        xml.logfile = str(path)


def write_refusal(given: str | None, cause: str) -> None:
    """A run refused before its checks (a usage error, a failed preflight) leaves CI one failing testcase
    that names the cause, in the junit.xml `--junitxml` named (`given`); without it nothing is written
    (the reports folder stays as it was)."""
    if not given:
        return
    text = ('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="zdconform"><testsuite name="zdconform" '
            'errors="0" failures="1" skipped="0" tests="1"><testcase classname="zdconform" '
            f'name="run refused before its checks"><failure message={quoteattr(cause.splitlines()[0][:500])}>'
            f"{escape(cause)}</failure></testcase></testsuite></testsuites>\n")
    try:
        atomic_write(Path(given), text)
    except OSError:
        pass  # the refusal itself is what the user reads; a junit.xml that cannot be written adds nothing

