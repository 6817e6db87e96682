"""The engine's public entry point: one input, N outputs, atomically.

Outputs are encoded to hidden temporary files beside their final names, in a sandboxed child
process, and renamed into place only when every output is complete. On any failure (bad
input, encoder error, limit exceeded, cancellation, a crashed child) every temporary file is
removed, so a reader never sees a partial output under a final name.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mediamill import settings
from mediamill.engine.run import OutputStats, ProgressCallback, encode_outputs
from mediamill.engine.writer import remove_quietly
from mediamill.errors import OutputError
from mediamill.presets.model import Preset
from mediamill.sandbox import CancelToken, Emit, Limits, run_isolated


@dataclass(frozen=True)
class OutputRequest:
    preset: Preset
    path: Path


@dataclass(frozen=True)
class OutputResult:
    preset: Preset
    path: Path
    stats: OutputStats


def transcode(
    input_path: str | os.PathLike[str],
    outputs: Sequence[OutputRequest],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    overwrite: bool = False,
    isolate: bool = True,
    limits: Limits | None = None,
) -> list[OutputResult]:
    """Decode ``input_path`` once and write every requested output.

    ``progress`` receives whole percentages, never decreasing, with 100 only after every
    output is in place. Setting ``cancel`` stops the work at the next frame with
    ``CanceledError``. With ``isolate`` (the default) the untrusted decoding runs in a child
    process under ``limits`` (default: the ``MEDIAMILL_DECODE_MEMORY_MB`` and
    ``MEDIAMILL_TRANSCODE_TIMEOUT`` settings).
    """
    if not outputs:
        raise OutputError("no outputs requested", code=1000)
    finals = [Path(o.path) for o in outputs]
    _check_targets(Path(input_path), finals, overwrite)
    temps = [str(p.with_name(f".{p.name}.{uuid.uuid4().hex[:12]}.part")) for p in finals]
    targets = [(o.preset, temp) for o, temp in zip(outputs, temps, strict=True)]
    try:
        for temp in temps:
            _reserve(temp)
        if isolate:
            limits = limits or Limits(
                memory_mb=settings.get("MEDIAMILL_DECODE_MEMORY_MB"),
                timeout=settings.get("MEDIAMILL_TRANSCODE_TIMEOUT"),
                file_mb=settings.get("MEDIAMILL_OUTPUT_MAX_MB"),
            )
            stats = run_isolated(
                _encode_isolated,
                os.fspath(input_path),
                targets,
                limits=limits,
                on_event=progress,
                cancel=cancel,
                what="transcoding",
            )
        else:
            stats = encode_outputs(
                os.fspath(input_path),
                targets,
                progress=progress,
                cancel=cancel or threading.Event(),
            )
        for temp, final in zip(temps, finals, strict=True):
            os.replace(temp, final)
    finally:
        for temp in temps:
            remove_quietly(temp)
    if progress is not None:
        progress(100)
    return [
        OutputResult(o.preset, final, s) for o, final, s in zip(outputs, finals, stats, strict=True)
    ]


def _encode_isolated(
    input_path: str, targets: list[tuple[Preset, str]], *, emit: Emit, cancel: CancelToken
) -> list[OutputStats]:
    return encode_outputs(input_path, targets, progress=emit, cancel=cancel)


def _check_targets(input_path: Path, finals: list[Path], overwrite: bool) -> None:
    seen: set[Path] = set()
    for final in finals:
        resolved = final.resolve()
        if resolved in seen:
            raise OutputError(f"two outputs would be written to {str(final)!r}", code=1000)
        seen.add(resolved)
        if input_path.exists() and resolved == input_path.resolve():
            raise OutputError(f"output {str(final)!r} would overwrite the input", code=1000)
        if not final.parent.is_dir():
            raise OutputError(f"output folder {str(final.parent)!r} does not exist", code=1000)
        if final.exists() and not overwrite:
            raise OutputError(f"output {str(final)!r} already exists", code=3002)


def _reserve(temp: str) -> None:
    """Create the temporary file now: an unwritable folder fails before any decoding."""
    try:
        with open(temp, "xb"):
            pass
    except OSError as exc:
        folder = os.path.dirname(temp)
        raise OutputError(
            f"cannot write to output folder {folder!r}: {exc.strerror}", code=1000
        ) from exc
