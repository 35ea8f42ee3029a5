"""`zdconform init`: a new project's files, each ready to use, none overwritten unless asked.

A project made by `init` holds a tenant profile (`tenants/acme.yaml`), a fleet file (`fleet.yaml`), a
`.gitignore`, the folder for the project's own checks (`suites/conftest.py`: they run beside the checks
the installed package ships), `requirements.txt` (zdconform itself, for CI) and the CI templates of
docs/ci/ in `ci/`, set to install from `requirements.txt`. The files come from package data:
`zdconform/templates/`, and the CI templates from `zdconform/ci/` (docs/ci/ mapped into the wheel; a
checkout reads its docs/ci/).
"""

from __future__ import annotations

from pathlib import Path

from . import __version__
from .exceptions import UsageError
from .recording.files import atomic_write, check_writable_folder

__all__ = ["FILES", "INSTALLS", "ci_templates", "init_project", "project_files"]

PACKAGE = Path(__file__).resolve().parent

TEMPLATES = PACKAGE / "templates"  # package data: the files below, as written into a new project
# path in the project -> its template (a `.py.txt` template is no module of the package)
FILES = {"tenants/acme.yaml": "acme.yaml", "fleet.yaml": "fleet.yaml", ".gitignore": "gitignore",
         "suites/conftest.py": "conftest.py.txt", "requirements.txt": "requirements.txt"}

# The templates install a checkout of zdconform (`pip install .`); a project made by `init` installs
# zdconform from requirements.txt instead. Each template holds one or more of these.
INSTALLS = {
    "python -m pip install . -c constraints.txt": "python -m pip install -r requirements.txt",
    "python -m pip install . pytest-xdist": "python -m pip install -r requirements.txt pytest-xdist",
    "python -m pip install .\n": "python -m pip install -r requirements.txt\n",
    "pyproject.toml\n            constraints.txt\n": "requirements.txt\n",
    "files: [pyproject.toml, constraints.txt]": "files: [requirements.txt]",
}


def ci_templates() -> dict[str, str]:
    """The CI templates by file name, set to install zdconform from the project's requirements.txt."""
    folder = PACKAGE / "ci"  # in a wheel: docs/ci/, shipped as package data
    if not folder.is_dir():
        folder = PACKAGE.parent / "docs" / "ci"  # a checkout (an editable install)
    templates = {}
    for path in sorted(folder.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        for old, new in INSTALLS.items():
            text = text.replace(old, new)
        templates[path.name] = text
    return templates


def project_files() -> dict[str, str]:
    """Every file `init` writes, by its path in the project."""
    files = {name: (TEMPLATES / template).read_text(encoding="utf-8").replace("{version}", __version__)
             for name, template in FILES.items()}
    return files | {f"ci/{name}": text for name, text in ci_templates().items()}


def init_project(folder: Path, *, force: bool = False) -> list[Path]:
    """Write a new project into `folder`; refuse, writing nothing, when a file would be overwritten."""
    files = project_files()
    check_writable_folder(folder, "project folder", "Give `zdconform init` a folder you can write to.")
    taken = [name for name in files if (folder / name).exists() or (folder / name).is_symlink()]
    if taken and not force:
        raise UsageError(f"`zdconform init` would overwrite {len(taken)} file(s) in {str(folder)!r}: "
                         f"{', '.join(taken)}. Nothing was written. Pass `--force` to overwrite them, or give "
                         "`zdconform init` another folder.")
    blocked = [name for name in files if _blocked(folder, name)]
    if blocked:
        raise UsageError(f"`zdconform init` cannot write {', '.join(blocked)} in {str(folder)!r}: a folder stands "
                         "where a file goes, or a file where a folder goes. Move it away; nothing was written.")
    for name, text in files.items():
        atomic_write(folder / name, text)
    return [folder / name for name in files]


def _blocked(folder: Path, name: str) -> bool:
    """True when `name` cannot be written as a file in `folder`: something else stands in its way."""
    path = folder / name
    if path.exists() and not path.is_file():
        return True
    return any(parent.exists() and not parent.is_dir() for parent in path.parents if folder in parent.parents)
