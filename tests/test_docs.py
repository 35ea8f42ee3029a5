"""The README and docs/ stay true: every file, link, option and variable they cite exists, their
example files are the real ones and load, and the README opens with the two commands."""

from __future__ import annotations

import re

import pytest

from zdconform.cli import _parser
from zdconform.emulator import DEFAULT_CREDENTIALS, load_tenant
from zdconform.emulator.__main__ import build_parser
from zdconform.settings import load_profile
from zdconform.settings.options import known_variables

from _helpers import ROOT

README = (ROOT / "README.md").read_text()
PAGES = {path.relative_to(ROOT).as_posix(): path.read_text() for path in
         [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]}
# Written on another branch of issue 23 (the notebook's history page): linked from the README already.
ELSEWHERE = {"docs/history.md"}
# What a run writes (reports, recordings of other targets, the token journal) or a command beside it
# makes: cited, never committed.
WRITTEN = re.compile(r"^(reports/|\.zdconform/|cassettes/(?!reference-emulator)|tenants/my-emulated-tenant\.yaml$)")
# Mistakes the docs show on purpose, to show what zdconform answers them (tests/test_suggestions.py)
MISTAKES = {"--targt", "--zd-targt", "ZENDESK_TARGT"}
TOP = r"(?:suites|schemas|cassettes|tenants|docs|tests|benchmarks|zdconform|notebooks|reports|\.ci|\.github)/"


def code(text: str) -> list[str]:
    """The inline code spans and code blocks of a page."""
    return re.findall(r"`([^`\n]+)`", text) + re.findall(r"```\w*\n(.*?)```", text, re.S)


def yaml_block(page: str, first_line: str) -> str:
    return next(b for b in re.findall(r"```yaml\n(.*?)```", PAGES[page], re.S) if b.startswith(first_line))


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")


def anchors(text: str) -> set[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def links() -> list[tuple[str, str]]:
    return [(page, target) for page, text in PAGES.items()
            for target in re.findall(r"\]\(([^)\s]+)\)", re.sub(r"```.*?```", "", text, flags=re.S))
            if not target.startswith(("http://", "https://", "mailto:"))]


@pytest.mark.parametrize(("page", "target"), links())
def test_every_link_reaches_a_file_and_its_heading(page, target):
    path, _, anchor = target.partition("#")
    where = (ROOT / page).parent / path if path else ROOT / page
    name = where.resolve().relative_to(ROOT).as_posix()
    if name in ELSEWHERE:
        return
    assert where.exists(), f"{page} links to {target}: no such file"
    if anchor:
        assert anchor in anchors(where.read_text()), f"{page} links to {target}: no such heading in {name}"


def test_every_project_path_the_docs_cite_exists():
    cited = {(page, m.split("::")[0].rstrip(".,:;)")) for page, text in PAGES.items() for span in code(text)
             for m in re.findall(r"(?<![\w./~-])(" + TOP + r"[\w./@*:\[\]-]*)", span)}
    missing = sorted(f"{page}: {path}" for page, path in cited
                     if not (any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists())
                     and not WRITTEN.match(path) and path not in ELSEWHERE)
    assert missing == []


def known_options() -> set[str]:
    """Every option of the zdconform command, its emulator, pytest with its plugins, and ./dev."""
    from _pytest.config import get_config

    parser = _parser()
    options = {o for sub in [parser, *parser.commands.values()] for a in sub._actions for o in a.option_strings}
    options |= {o for a in build_parser("zdconform emulator")._actions for o in a.option_strings}
    config = get_config()
    config.pluginmanager.load_setuptools_entrypoints("pytest11")
    options |= {n for group in [config._parser._anonymous, *config._parser._groups] for o in group.options
                for n in o.names()}
    return options | set(re.findall(r"(--[a-z]+)\)", (ROOT / "dev").read_text())) | {"--no-deps"}  # pip's


def test_every_option_the_docs_cite_exists():
    known = known_options()
    cited = {(page, option) for page, text in PAGES.items() for span in code(text)
             for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*[a-z0-9])(?![\w-])", span)}
    assert sorted(f"{page}: {option}" for page, option in cited if option not in known | MISTAKES) == []
    assert {"--zd-target", "--target", "--fleet-shard", "--tenant", "--fast"} <= {o for _, o in cited}


def test_every_variable_the_docs_cite_is_read():
    cited = {(page, name) for page, text in PAGES.items()
             for name in re.findall(r"(?<![\w])((?:ZENDESK|ZDCONFORM)_[A-Z0-9_]*[A-Z0-9])(?![\w*])", text)}
    assert sorted(f"{page}: {name}" for page, name in cited if name not in known_variables() | MISTAKES) == []
    assert len({name for _, name in cited}) > 20


def test_the_example_profile_is_the_real_file_and_loads():
    block = yaml_block("docs/profiles.md", "# tenants/acme.yaml")
    assert (ROOT / "tenants" / "acme.yaml").read_text() == block
    profile = load_profile(ROOT / "tenants" / "acme.yaml")
    assert profile.expects("password") == "disabled"
    assert (profile.oauth_grant, profile.oauth_allowed_scopes) == ("client_credentials", ("read", "tickets:write"))


def test_the_example_emulator_tenants_are_real_files_and_load():
    block = yaml_block("docs/emulator.md", "# tenants/acme-emulated.yaml")
    assert (ROOT / "tenants" / "acme-emulated.yaml").read_text() == block
    tenants = [load_tenant(ROOT / "tenants" / name) for name in ("acme-emulated.yaml", "beta-emulated.yaml")]
    assert [t.subdomain for t in tenants] == ["acme", "beta"]  # one emulator serves both (docs/emulator.md#fleets)


def test_the_example_fleet_file_is_the_real_file():
    assert (ROOT / "fleet.yaml").read_text() == yaml_block("docs/fleet.md", "# fleet.yaml")


def test_the_emulator_page_lists_the_built_in_credentials():
    page = PAGES["docs/emulator.md"]
    for role in ("admin", "agent", "end_user"):
        assert DEFAULT_CREDENTIALS[role]["email"] in page and DEFAULT_CREDENTIALS[role]["password"] in page


def test_the_readme_opens_with_the_two_commands():
    first = README.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert first[0].startswith("./dev run") and first[1].startswith("./dev test")


def test_the_readme_is_short_and_has_its_sections():
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings == ["What it proves", "Install", "Quick start: the emulator", "Quick start: your tenant", "CI",
                        "For auditors", "Reference"]
    assert len(README.splitlines()) < 160
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert {name for name in pages if f"(docs/{name})" not in README} == set(), "every page is linked"
