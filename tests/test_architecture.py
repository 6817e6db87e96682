"""Imports flow one way: a module imports only from its own layer or the layers below.

The layers are read from the table in docs/architecture.md, so the document and the code
cannot drift apart: a new top-level module or package must be placed there first.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import mediamill

PACKAGE = Path(mediamill.__file__).parent
DOCUMENT = PACKAGE.parent.parent / "docs" / "architecture.md"

#: Not modules of a layer, but the package's own entry points.
ENTRY_POINTS = {"__main__": 5, "__init__": 0, "__version__": 0}

_ROW = re.compile(r"^\| (\d) [^|]*\| ([^|]*) \|", re.MULTILINE)


def documented_layers(text: str) -> tuple[dict[str, int], set[str]]:
    """``{module: layer}`` from the document's table, and the modules marked "(to come)"."""
    layers: dict[str, int] = {}
    to_come: set[str] = set()
    for number, cell in _ROW.findall(text):
        for name, note in re.findall(r"`([\w.]+)/?`(?: \(([^)]*)\))?", cell):
            layers[name] = int(number)
            if note == "to come":
                to_come.add(name)
    return layers, to_come


LAYERS, TO_COME = documented_layers(DOCUMENT.read_text())
LAYERS.update(ENTRY_POINTS)


def test_the_document_is_read() -> None:
    assert LAYERS["errors"] == 0 and LAYERS["jobs"] == 3 and LAYERS["api"] == 5
    assert LAYERS["triggers"] == 3 and LAYERS["events"] == 5 and "triggers" not in TO_COME


def test_the_document_names_only_real_modules() -> None:
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    missing = set(LAYERS) - tops - TO_COME - set(ENTRY_POINTS)
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def _top(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("mediamill.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "mediamill":
                found |= {f"mediamill.{a.name}" for a in node.names}
            elif node.module.startswith("mediamill."):
                found.add(node.module)
    return found


def test_every_module_has_a_layer() -> None:
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    tops = {t for t in tops if not t.startswith((".", "_")) or t in ("__init__", "__main__")}
    tops -= {"py", "__pycache__"}
    unknown = {t for t in tops if t not in LAYERS and not t.endswith(".typed")}
    assert not unknown, f"place these in the table of docs/architecture.md: {sorted(unknown)}"


def test_imports_flow_downwards() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts)
        own = LAYERS[_top(module) if module != "mediamill.__init__" else "__init__"]
        for imported in _imports(path):
            if own < LAYERS[_top(imported)]:
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_engine_does_not_load_django() -> None:
    code = (
        "import sys, mediamill.engine, mediamill.probe, mediamill.presets;"
        "print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_public_names() -> None:
    import mediamill.engine
    import mediamill.presets

    assert set(mediamill.engine.__all__) == {
        "OutputRequest",
        "OutputResult",
        "OutputStats",
        "ProgressCallback",
        "transcode",
    }
    for name in mediamill.presets.__all__:
        assert hasattr(mediamill.presets, name)
