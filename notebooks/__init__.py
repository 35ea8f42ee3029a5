"""zdconform's evidence notebook, installed as the package data `zdconform.notebooks`.

This folder stays at the project's top level; pyproject.toml maps it into the package
(`[tool.setuptools.package-dir]`), so `zdconform notebook` runs the same notebook in any
project, and a project's own `notebooks/evidence.ipynb`, when it has one, first.
"""
