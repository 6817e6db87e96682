"""Imports flow one way: a module imports only from its own layer or the layers below.

The layers are those of docs/architecture.md. A new top-level module or package must be
placed in LAYERS, so this test also keeps that document honest.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mediamill

PACKAGE = Path(mediamill.__file__).parent

LAYERS: dict[str, int] = {
    "errors": 0,
    "settings": 0,
    "presets": 1,
    "sandbox": 2,
    "probe": 2,
    "engine": 2,
    "buckets": 2,
    "testing": 2,
    "polling": 2,  # the polling thread pool under both workers (4) and notifications (3)
    "jobs": 3,
    "notifications": 3,  # its views/urls are thin HTTP adapters over topics and keys
    "site": 4,  # the Django project: workers (4) and delivery (5) call site.setup()
    "workers": 4,
    "accounts": 3,
    "api": 5,
    "signing": 1,
    "servicemodel": 1,  # the vendored Elastic Transcoder service description and its validator
    "cli": 5,
    "httpserver": 5,  # the HTTP server `mediamill serve` runs the WSGI app in
    "__main__": 5,
    "__init__": 0,
    "__version__": 0,  # `from mediamill import __version__`
}


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
    assert not unknown, f"place these in LAYERS and docs/architecture.md: {sorted(unknown)}"


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
