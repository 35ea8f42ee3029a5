"""`zdconform notebook`: run the evidence notebook on a run or a history and write it as one HTML file.

The notebook (the project's `notebooks/evidence.ipynb`, else the one the package ships) gets
its input as papermill passes parameters: a cell tagged `injected-parameters`, inserted after
the cell tagged `parameters`, sets `SOURCE`; given several reports folders, `export_many` shows
their history. nbclient runs it top to bottom in a headless kernel; nbconvert writes it as HTML
without the code, every plot a PNG inside the page, and no script or style fetched from
anywhere: the file opens offline. The page passes the reports' leak gate and is written
atomically; a refusal or a failing cell writes nothing. nbclient, nbconvert, ipykernel and
matplotlib are the `notebook` extra.
"""

from __future__ import annotations

import importlib.resources
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..exceptions import UsageError, ZdConformError
from ..recording.files import atomic_write, check_writable_folder
from ..recording.scrub import SecretSet
from .history import write_history
from .publish import gate

__all__ = ["INSTALLED_NOTEBOOK", "NOTEBOOK", "export", "export_many", "inject", "notebook_of"]

NOTEBOOK = Path("notebooks") / "evidence.ipynb"  # a project's own, run first
INSTALLED_NOTEBOOK = Path(str(importlib.resources.files("zdconform.notebooks"))) / "evidence.ipynb"  # the wheel's
_TIMEOUT = 600  # seconds a cell may take (the replay of the committed cassettes, when there is no evidence)
_QUIET = ["--IPKernelApp.log_level=ERROR"]  # not the kernel's warnings about its own transport on the terminal
# nbconvert's lab page without the scripts it would fetch (require.js, MathJax, mermaid): the page needs none;
# a plot's `alt` (the sentence saying what it shows, in its output's metadata) becomes its image's alt text
_OFFLINE = "offline.html.j2"
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_png scoped %}
{%- set alt = output | get_metadata('alt', 'image/png') -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- if alt is not none %} alt="{{ alt | escape_html }}"{% endif %}>
</div>
{% endblock data_png %}
"""


def inject(notebook: Any, **parameters: Any) -> None:
    """Insert, after the cell tagged `parameters`, a cell setting `parameters` (papermill's way)."""
    import nbformat

    cells = notebook.cells
    index = next((i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])), None)
    if index is None:
        raise UsageError("The notebook has no cell tagged `parameters`: tag the cell that sets SOURCE (Jupyter: "
                         "View > Cell toolbar > Tags) or use the project's notebooks/evidence.ipynb.")
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})  # type: ignore[no-untyped-call]
    cells.insert(index + 1, cell)


def export(source: Path, output: Path, notebook: Path, secrets: SecretSet | None = None, name: str = "") -> Path:
    """Run `notebook` with SOURCE = `source` (named `name` in its text) and write it as self-contained HTML to
    `output`."""
    nbformat, client, exporter = _modules()
    if not source.exists():
        raise UsageError(f"Nothing to show: {str(source)!r} does not exist. Give `zdconform notebook` a history.json "
                         "(`zdconform history`), a run's reports folder or evidence.json, or a fleet run's reports "
                         "folder.")
    if not notebook.is_file():
        raise UsageError(f"The notebook {str(notebook)!r} does not exist: give `--notebook` an .ipynb file (or leave "
                         "it out: zdconform runs its own notebooks/evidence.ipynb).")
    if output.is_dir():
        raise UsageError(f"The notebook's output {str(output)!r} is a folder: give `--output` a file name such as "
                         "evidence-notebook.html.")
    check_writable_folder(output.parent, "notebook output folder", "Give `--output` a file in a folder you can "
                          "write to.")
    document = nbformat.read(notebook, as_version=4)
    inject(document, SOURCE=str(source.resolve()), SOURCE_NAME=name)
    try:
        client.NotebookClient(document, kernel_name="python3", timeout=_TIMEOUT, extra_arguments=_QUIET,
                              resources={"metadata": {"path": str(notebook.parent.resolve())}}).execute()
    except client.exceptions.CellExecutionError as exc:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()  # the traceback's terminal colours
        last = text.splitlines()[-1] if text else type(exc).__name__
        raise ZdConformError(f"The notebook stopped at a cell with {last}. Check that {str(source)!r} is what "
                             "`zdconform notebook` takes; run the notebook in Jupyter to see the cell.") from None
    html = _html(exporter, document)
    gate(html, output, secrets or SecretSet())
    atomic_write(output, html)
    return output


def notebook_of(project: Path | None) -> Path:
    """The notebook `zdconform notebook` runs: the `project`'s notebooks/evidence.ipynb, else the one installed."""
    own = project / NOTEBOOK if project is not None else None
    return own if own is not None and own.is_file() else INSTALLED_NOTEBOOK


def export_many(sources: Sequence[Path], output: Path, notebook: Path, secrets: SecretSet | None = None) -> Path:
    """`export` of one source as it is; of several reports folders, of their history (built first, in a
    temporary folder that is removed after)."""
    if len(sources) == 1:
        return export(sources[0], output, notebook, secrets)
    with tempfile.TemporaryDirectory(prefix="zdconform-history-") as folder:
        history = Path(folder) / "history.json"
        write_history(sources, history, secrets)
        named = ", ".join(str(s) for s in sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
        return export(history, output, notebook, secrets, f"the history of {len(sources)} reports folders ({named})")


def _html(nbconvert: Any, document: Any) -> str:
    """The executed notebook as one page: outputs only, images inline, nothing fetched."""
    import jinja2

    exporter = nbconvert.HTMLExporter(template_name="lab", template_file=_OFFLINE,
                                      extra_loaders=[jinja2.DictLoader({_OFFLINE: _TEMPLATE})],
                                      exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    return str(exporter.from_notebook_node(document)[0])


def _modules() -> tuple[Any, Any, Any]:
    try:
        import matplotlib  # noqa: F401 - the notebook's plots need it in the kernel
        import nbclient
        import nbclient.exceptions
        import nbconvert
        import nbformat
    except ImportError as exc:
        raise UsageError(f"`zdconform notebook` needs the notebook extra ({exc.name} is not installed): "
                         "pip install 'zdconform[notebook]'.") from None
    return nbformat, nbclient, nbconvert
