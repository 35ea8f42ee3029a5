"""zdconform's JSON Schema files (2020-12), installed as the package data `zdconform.schemas`.

This folder stays at the project's top level; pyproject.toml maps it into the package
(`[tool.setuptools.package-dir]`), so a wheel carries the same files that a checkout reads, and
`zdconform.conformance.schemas` finds them with `importlib.resources`, wherever it is installed.
"""
