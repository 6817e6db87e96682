"""The engine's public entry point: one input, N outputs, atomically.

Outputs are encoded to hidden temporary files beside their final names, in a sandboxed child
process, and renamed into place only when every output is complete. On any failure (bad
input, encoder error, limit exceeded, cancellation, a crashed child) every temporary file is
removed, so a reader never sees a partial output under a final name.

The sandboxed child reads the input and writes the temporary files through descriptors this
process opened (it may run as a user that cannot open the paths). A segmented output is many
files whose number is known only at the end: the child writes them into a hidden folder this
process made and passes as a descriptor (``/proc/self/fd/N/name``), and they are renamed
beside the output's base name at the end, after checking that none of them exists.

Errors name files by their name only, never by their folder: they end up in job errors users read.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mediamill import settings
from mediamill.engine.limits import MediaLimits
from mediamill.engine.run import OutputStats, ProgressCallback, Target, encode_outputs
from mediamill.engine.writer import remove_quietly
from mediamill.errors import OutputError
from mediamill.presets.model import Preset
from mediamill.probe import Source, open_source
from mediamill.sandbox import (
    CancelToken,
    Emit,
    Limits,
    fd_path,
    give_to_child,
    run_isolated,
    take_back,
)
from mediamill.sandbox.confine import plan as _confine_plan


def confine_plan_uid() -> bool:
    """Whether the child runs as another user (its files are given back to ours)."""
    return _confine_plan().uid is not None


@dataclass(frozen=True)
class OutputRequest:
    """One output. With ``segment_duration`` (a ``ts`` preset) ``path`` is a base name:
    ``path.m3u8`` and the segments ``path00000.ts``... are written beside it."""

    preset: Preset
    path: Path
    segment_duration: float | None = None
    #: Thumbnails, named by this pattern beside ``path`` (``{count}``: 00001, 00002...;
    #: ``{resolution}``: ``WxH``; the extension of the preset's format is appended).
    thumbnail_pattern: str | None = None
    #: With ``segment_duration``: 3 writes ``path.m3u8`` and ``path00000.ts``...; 4 writes
    #: one ``path.ts``, ``path_v4.m3u8`` (byte ranges) and ``path_iframe.m3u8`` (video).
    hls_version: int = 3


@dataclass(frozen=True)
class OutputResult:
    preset: Preset
    path: Path
    stats: OutputStats
    #: Every file written for this output: ``path`` itself, or a segmented output's
    #: playlist then segments.
    files: tuple[Path, ...] = ()
    #: Its thumbnails, in order.
    thumbnails: tuple[Path, ...] = ()


def transcode(
    input_path: str | os.PathLike[str],
    outputs: Sequence[OutputRequest],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    overwrite: bool = False,
    isolate: bool = True,
    limits: Limits | None = None,
    media_limits: MediaLimits | None = None,
) -> list[OutputResult]:
    """Decode ``input_path`` once and write every requested output.

    ``progress`` receives whole percentages, never decreasing, with 100 only after every
    output is in place. Setting ``cancel`` stops the work at the next frame with
    ``CanceledError``. With ``isolate`` (the default) the untrusted decoding runs in a child
    process under ``limits`` (default: the ``MEDIAMILL_DECODE_MEMORY_MB``,
    ``MEDIAMILL_TRANSCODE_TIMEOUT``, ``MEDIAMILL_TRANSCODE_CPU_SECONDS`` and
    ``MEDIAMILL_OUTPUT_MAX_MB`` settings). ``media_limits`` bound the input's duration and
    the outputs' sizes (default: from settings; see ``engine.limits``).
    """
    if not outputs:
        raise OutputError("no outputs requested", code=1000)
    finals = [Path(o.path) for o in outputs]
    _check_targets(Path(input_path), finals, overwrite)
    temps = [str(p.with_name(_temp_name(p.name))) for p in finals]
    segmented = [o.segment_duration is not None for o in outputs]
    media_limits = media_limits or MediaLimits.from_settings()
    fds: list[int] = []
    # A segmented output's temporary is a folder; the child writes ``folder/name``...
    written = [
        os.path.join(temp, final.name) if seg else temp
        for temp, final, seg in zip(temps, finals, segmented, strict=True)
    ]
    # Thumbnails go to a hidden folder per output that asks for them.
    thumbs = [
        str(final.with_name(_temp_name(final.name + "-thumbnails")))
        if o.thumbnail_pattern is not None
        else None
        for o, final in zip(outputs, finals, strict=True)
    ]
    try:
        for temp, seg in zip(temps, segmented, strict=True):
            fds.append(_reserve_folder(temp) if seg else _reserve(temp))
        thumb_fds = [None if t is None else _reserve_folder(t) for t in thumbs]
        fds += [fd for fd in thumb_fds if fd is not None]
        if isolate:
            limits = limits or Limits(
                memory_mb=settings.get("MEDIAMILL_DECODE_MEMORY_MB"),
                timeout=settings.get("MEDIAMILL_TRANSCODE_TIMEOUT"),
                file_mb=settings.get("MEDIAMILL_OUTPUT_MAX_MB"),
                cpu_seconds=settings.get("MEDIAMILL_TRANSCODE_CPU_SECONDS"),
            )
            output_fds = list(fds)
            for fd in output_fds:
                give_to_child(fd)
            output_fds = output_fds[: len(outputs)]
            input_fd = open_source(input_path)
            fds.append(input_fd)
            stats = run_isolated(
                _encode_isolated,
                input_fd,
                [
                    (
                        o.preset,
                        _child_path(fd, final, seg),
                        o.segment_duration,
                        None if thumb_fd is None else fd_path(thumb_fd),
                        o.hls_version,
                    )
                    for o, fd, final, seg, thumb_fd in zip(
                        outputs, output_fds, finals, segmented, thumb_fds, strict=True
                    )
                ],
                media_limits,
                limits=limits,
                on_event=None if progress is None else _progress_events(progress),
                cancel=cancel,
                what="transcoding",
                result_types=(OutputStats,),
                pass_fds=fds,
            )
            for fd in fds:
                if fd != input_fd:
                    take_back(fd)
        else:
            stats = encode_outputs(
                os.fspath(input_path),
                [
                    (o.preset, path, o.segment_duration, thumb, o.hls_version)
                    for o, path, thumb in zip(outputs, written, thumbs, strict=True)
                ],
                progress=progress,
                cancel=cancel or threading.Event(),
                limits=media_limits,
            )
        # Every name is checked before anything is renamed: a conflict leaves nothing behind.
        output_moves = _output_moves(temps, finals, segmented, stats, overwrite)
        thumbnail_moves = _thumbnail_moves(outputs, thumbs, stats, overwrite)
        placed = _apply(output_moves)
        stills = _apply(thumbnail_moves)
    finally:
        for fd in fds:
            os.close(fd)
        for temp in temps:
            remove_quietly(temp)
            shutil.rmtree(temp, ignore_errors=True)
        for thumb in thumbs:
            if thumb is not None:
                shutil.rmtree(thumb, ignore_errors=True)
    if progress is not None:
        progress(100)
    return [
        OutputResult(o.preset, final, s, files, pictures)
        for o, final, s, files, pictures in zip(outputs, finals, stats, placed, stills, strict=True)
    ]


def thumbnail_name(pattern: str, count: int, resolution: str, extension: str) -> str:
    """Elastic Transcoder's thumbnail name: ``{count}`` as five digits from 00001,
    ``{resolution}`` as ``WxH``, the format's extension appended."""
    name = pattern.replace("{count}", f"{count:05d}").replace("{resolution}", resolution)
    return f"{name}.{extension}"


def _thumbnail_moves(
    outputs: Sequence[OutputRequest],
    folders: list[str | None],
    stats: list[OutputStats],
    overwrite: bool,
) -> list[list[tuple[str, Path]]]:
    """Where each thumbnail goes beside its output, checked."""
    moves: list[list[tuple[str, Path]]] = []
    seen: set[Path] = set()
    for o, folder, st in zip(outputs, folders, stats, strict=True):
        if folder is None or o.thumbnail_pattern is None:
            moves.append([])
            continue
        if set(st.thumbnails) != set(os.listdir(folder)):
            raise OutputError("the thumbnails written do not match", code=1000)
        group = []
        for count, name in enumerate(st.thumbnails, start=1):
            extension = name.rpartition(".")[2]
            final = thumbnail_name(
                o.thumbnail_pattern, count, st.thumbnail_resolution or "", extension
            )
            target = Path(o.path).parent / final
            if target.exists() and not overwrite:
                raise OutputError(f"thumbnail {target.name!r} already exists", code=3002)
            if target in seen:
                raise OutputError(f"two thumbnails would be named {final!r}", code=1000)
            seen.add(target)
            if not target.parent.is_dir():
                raise OutputError(f"the folder of thumbnail {final!r} does not exist", code=1000)
            group.append((os.path.join(folder, name), target))
        moves.append(group)
    return moves


def _apply(moves: list[list[tuple[str, Path]]]) -> list[tuple[Path, ...]]:
    """Rename each checked ``(written, final)`` pair; the finals, grouped as given."""
    confined = confine_plan_uid()
    for group in moves:
        for source, target in group:
            if confined:  # written by the child's user: made ours again
                os.chown(source, os.geteuid(), os.getegid())
            os.replace(source, target)
    return [tuple(target for _, target in group) for group in moves]


def _child_path(fd: int, final: Path, segmented: bool) -> str:
    return f"{fd_path(fd)}/{final.name}" if segmented else fd_path(fd)


def _output_moves(
    temps: list[str],
    finals: list[Path],
    segmented: list[bool],
    stats: list[OutputStats],
    overwrite: bool,
) -> list[list[tuple[str, Path]]]:
    """Where every written file goes. A segmented output's files are checked here (their
    names are known only now), so a name taken meanwhile fails before anything is renamed.
    """
    moves: list[list[tuple[str, Path]]] = []
    for temp, final, seg, st in zip(temps, finals, segmented, stats, strict=True):
        if not seg:
            moves.append([(temp, final)])
            continue
        names = st.files
        if set(names) != set(os.listdir(temp)) or not names:
            raise OutputError(
                f"output {final.name!r}: the segments written do not match", code=4015
            )
        moves.append([(os.path.join(temp, n), final.parent / n) for n in names])
    for group, seg in zip(moves, segmented, strict=True):
        for _, target in group if seg else ():
            if target.exists() and not overwrite:
                raise OutputError(f"output {target.name!r} already exists", code=3002)
    return moves


def _encode_isolated(
    source: Source,
    targets: list[Target],
    limits: MediaLimits,
    *,
    emit: Emit,
    cancel: CancelToken,
) -> list[OutputStats]:
    return encode_outputs(source, targets, progress=emit, cancel=cancel, limits=limits)


def _progress_events(progress: ProgressCallback) -> Emit:
    """Pass on the child's progress events, which must be whole percentages."""

    def on_event(event: object) -> None:
        if isinstance(event, int) and not isinstance(event, bool) and 0 <= event <= 100:
            progress(event)

    return on_event


def _temp_name(name: str) -> str:
    """A hidden temporary name beside ``name``, within the 255 bytes a file name may have."""
    short = name.encode()[:200].decode(errors="ignore")
    return f".{short}.{uuid.uuid4().hex[:12]}.part"


def _check_targets(input_path: Path, finals: list[Path], overwrite: bool) -> None:
    try:
        _check_each_target(input_path, finals, overwrite)
    except OSError as exc:  # a name too long for the file system, a folder we cannot read
        raise OutputError(f"cannot use the output names: {exc.strerror}", code=1000) from exc


def _check_each_target(input_path: Path, finals: list[Path], overwrite: bool) -> None:
    seen: set[Path] = set()
    for final in finals:
        resolved = final.resolve()
        if resolved in seen:
            raise OutputError(f"two outputs would be written to {final.name!r}", code=1000)
        seen.add(resolved)
        if input_path.exists() and resolved == input_path.resolve():
            raise OutputError(f"output {final.name!r} would overwrite the input", code=1000)
        if not final.parent.is_dir():
            raise OutputError(f"the folder of output {final.name!r} does not exist", code=1000)
        if final.exists() and not overwrite:
            raise OutputError(f"output {final.name!r} already exists", code=3002)


def _reserve_folder(temp: str) -> int:
    """Create a segmented output's temporary folder; returns a descriptor of it for the child."""
    try:
        os.mkdir(temp, 0o700)
        fd = os.open(temp, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise OutputError(f"cannot write to output folder: {exc.strerror}", code=1000) from exc
    return fd


def _reserve(temp: str) -> int:
    """Create the temporary file now (an unwritable folder fails before any decoding).

    Returns its descriptor, which the sandboxed child writes through.
    """
    try:
        return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise OutputError(f"cannot write to output folder: {exc.strerror}", code=1000) from exc
