"""pytest plugin: options, markers and fixtures for the conformance suites (hooks only)."""
