"""Project-wide pytest configuration: thin on purpose.

The zdconform plugin is registered once, by its entry point in pyproject.toml
(`[project.entry-points.pytest11]`), not here. Suite fixtures live in `suites/conftest.py`,
the tests' own in `tests/conftest.py`.
"""

# Scripts and documents that are not tests, even when pytest is pointed at the whole tree.
collect_ignore = ["benchmarks", "notebooks", "docs", "reports", "cassettes"]
