"""Suite-level fixtures: where each check's cassette lives (a project's own suites/ imports the same)."""

from zdconform.pytest.cassettes import default_cassette_name, vcr_cassette_dir  # noqa: F401
