"""Benchmark: mediamill's engine against the ``ffmpeg`` command line, side by side.

One synthetic MP3 is transcoded to the three tutorial presets (WAV, FLAC, AAC in MP4), by
mediamill's ``transcode()`` and by ONE ``ffmpeg`` invocation writing the same three outputs.
Runs alternate (mediamill, ffmpeg, mediamill, ...) after one warm-up of each, so a change in
machine load hits both sides alike. Times are wall clock and include everything a user
waits for: mediamill's sandboxed child interpreter, ffmpeg's process start-up.

    python -m bench.transcode_vs_ffmpeg [--rounds 5] [--seconds 180] [--no-single]
    python -m bench.transcode_vs_ffmpeg --smoke   # one round on 2 s of audio: a few seconds

Results are recorded in docs/benchmarks.md. The script always exits 0 once it has run: it
reports whether the target (mediamill <= 0.95 x ffmpeg) is met, it does not enforce it.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from mediamill.engine import OutputRequest, transcode
from mediamill.presets import get_system
from mediamill.testing import write_audio

#: mediamill must take at most this fraction of ffmpeg's time (the issue's target).
TARGET_RATIO = 0.95
OUT_DIR = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class Output:
    """One output of the comparison: a system preset and the equivalent ffmpeg options."""

    preset_id: str
    filename: str
    ffmpeg_options: str  # split on spaces


# ffmpeg gets what mediamill's plan gives each preset, including +faststart for MP4.
OUTPUTS = (
    Output("1351620000001-300300", "song.wav", "-c:a pcm_s16le -ar 44100 -ac 2"),
    Output("1351620000001-300110", "song.flac", "-c:a flac -sample_fmt s16 -ar 44100 -ac 2"),
    Output(
        "1351620000001-100110",
        "song.mp4",
        "-c:a aac -b:a 256k -ar 44100 -ac 2 -vn -movflags +faststart",
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument(
        "--seconds", type=float, default=180.0, help="length of the input in seconds (default 180)"
    )
    parser.add_argument(
        "--single-rounds",
        type=int,
        default=3,
        help="timed runs of each output alone, for the floor table (default 3)",
    )
    parser.add_argument("--no-single", action="store_true", help="skip timing each output alone")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one round of everything on 2 s of audio: checks that the benchmark runs",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.seconds, args.single_rounds = 1, 2.0, 1
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds must be at least 1 and --seconds positive")

    ffmpeg = find_ffmpeg()
    print_context(ffmpeg)
    song = make_input(args.seconds)
    mm_dir, ff_dir = OUT_DIR / "mediamill", OUT_DIR / "ffmpeg"
    mm_dir.mkdir(parents=True, exist_ok=True)
    ff_dir.mkdir(parents=True, exist_ok=True)

    def run_mediamill() -> None:
        run_mediamill_outputs(song, mm_dir, OUTPUTS)

    def run_ffmpeg() -> None:
        run_ffmpeg_outputs(ffmpeg, song, ff_dir, OUTPUTS)

    print(f"\n== Three outputs, {args.rounds} rounds after one warm-up each")
    runs = alternate({"mediamill": run_mediamill, "ffmpeg": run_ffmpeg}, args.rounds)
    mm, ff = median_wall(runs["mediamill"]), median_wall(runs["ffmpeg"])
    ratio = mm / ff

    print("\n== Outputs of the last run of each")
    same = compare_outputs(mm_dir, ff_dir)

    floors: dict[str, dict[str, float]] = {}
    if not args.no_single:
        print(f"\n== Each output alone, {args.single_rounds} rounds after one warm-up each")
        floors = time_single_outputs(ffmpeg, song, max(1, args.single_rounds))

    print("\n== Summary")
    print(f"input: {args.seconds:g} s stereo 44.1 kHz MP3 at 192 kbit/s")
    for name, values in runs.items():
        walls = [r.wall for r in values]
        print(
            f"{name:<9} wall median {median_wall(values):6.3f} s "
            f"(min {min(walls):.3f}, max {max(walls):.3f}); "
            f"CPU median {statistics.median(r.cpu for r in values):6.3f} s"
        )
    best = min(r.wall for r in runs["mediamill"]) / min(r.wall for r in runs["ffmpeg"])
    print(f"ratio mediamill/ffmpeg: {ratio:.3f} of medians, {best:.3f} of minimums")
    if floors:
        slowest = max(floors["mediamill"], key=floors["mediamill"].__getitem__)
        floor = floors["mediamill"][slowest]
        print(
            f"mediamill floor (slowest output alone, {slowest}): {floor:.3f} s; "
            f"floor/ffmpeg = {floor / ff:.3f}"
        )
    print(f"same kinds of output: {'yes' if same else 'NO'}")
    print(f"target: mediamill <= {TARGET_RATIO} x ffmpeg (medians)")
    if ratio <= TARGET_RATIO:
        print(f"TARGET MET: mediamill takes {ratio:.0%} of ffmpeg's time")
    else:
        needed = ff * TARGET_RATIO
        print(
            f"TARGET NOT MET: mediamill takes {ratio:.0%} of ffmpeg's time; "
            f"it needs {needed:.3f} s, {mm - needed:.3f} s less than now"
        )
    return 0


# --- set-up ---------------------------------------------------------------------------------


def find_ffmpeg() -> str:
    """The ``ffmpeg`` on PATH; installed with apt-get when we are root and it is missing."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("ffmpeg is not on PATH; installing it with apt-get ...", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "--no-install-recommends", "ffmpeg"]
        if subprocess.run(install, env=env).returncode != 0:
            # A fresh container has no package lists yet.
            subprocess.run(["apt-get", "update"], env=env, check=False)
            subprocess.run(install, env=env, check=False)
        found = shutil.which("ffmpeg")
        if found:
            return found
    sys.exit(
        "This benchmark needs the ffmpeg command line on PATH. Install it with your package "
        "manager, e.g. `sudo apt-get install -y ffmpeg` (Debian/Ubuntu), `brew install ffmpeg` "
        "(macOS) or `dnf install ffmpeg` (Fedora, RPM Fusion), then run it again."
    )


def print_context(ffmpeg: str) -> None:
    print("== Machine")
    print(f"cores (os.cpu_count): {os.cpu_count()}")
    if hasattr(os, "sched_getaffinity"):
        print(f"cores usable by this process: {len(os.sched_getaffinity(0))}")
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()
        print("load average (1/5/15 min): {:.2f} {:.2f} {:.2f}".format(*load))
        if load[0] > 0.5 * (os.cpu_count() or 1):
            print("note: the machine is busy; expect noisy wall-clock figures")
    print(f"platform: {platform.platform()}; Python {platform.python_version()}")
    version = subprocess.run(
        [ffmpeg, "-hide_banner", "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    print(f"ffmpeg CLI: {version} ({ffmpeg})")
    print(f"PyAV {av.__version__}: {pyav_ffmpeg()}")


def pyav_ffmpeg() -> str:
    """The FFmpeg that PyAV was built against (its wheels bundle their own)."""
    info: Any = getattr(av, "ffmpeg_version_info", None)
    libs: dict[str, tuple[int, int, int]] = getattr(av, "library_versions", {})
    parts = [f"FFmpeg {info}"] if info else []
    if "libavcodec" in libs:
        parts.append("libavcodec " + ".".join(map(str, libs["libavcodec"])))
    return ", ".join(parts) or "unknown FFmpeg"


def make_input(seconds: float) -> Path:
    """The synthetic MP3, made once per length and kept in bench/out/ for later runs."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    song = OUT_DIR / f"song-{seconds:g}s.mp3"
    if not song.exists():
        print(f"\nwriting {seconds:g} s of synthetic audio to {song} ...", flush=True)
        temp = song.with_name(f".{song.stem}.{os.getpid()}.mp3")
        write_audio(temp, seconds, sample_rate=44100, channels=2)
        os.replace(temp, song)
    return song


# --- the two contenders ---------------------------------------------------------------------


def run_mediamill_outputs(song: Path, folder: Path, outputs: Sequence[Output]) -> None:
    requests = [OutputRequest(get_system(o.preset_id), folder / o.filename) for o in outputs]
    transcode(song, requests, overwrite=True)


def ffmpeg_command(ffmpeg: str, song: Path, folder: Path, outputs: Sequence[Output]) -> list[str]:
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(song)]
    for o in outputs:
        command += ["-map", "0:a", *o.ffmpeg_options.split(), str(folder / o.filename)]
    return command


def run_ffmpeg_outputs(ffmpeg: str, song: Path, folder: Path, outputs: Sequence[Output]) -> None:
    subprocess.run(ffmpeg_command(ffmpeg, song, folder, outputs), check=True)


# --- timing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, time.perf_counter
    cpu: float  # seconds of CPU, user + system, this process and the children it waited for


def cpu_seconds() -> float:
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run: Callable[[], None]) -> Run:
    cpu, start = cpu_seconds(), time.perf_counter()
    run()
    return Run(time.perf_counter() - start, cpu_seconds() - cpu)


def median_wall(runs: Sequence[Run]) -> float:
    return statistics.median(r.wall for r in runs)


def alternate(
    contenders: dict[str, Callable[[], None]], rounds: int, *, indent: str = ""
) -> dict[str, list[Run]]:
    """One warm-up of each, then ``rounds`` timed runs of each, taking turns."""
    width = max(map(len, contenders))

    def show(label: str, name: str, run: Run) -> None:
        print(
            f"{indent}{label:<8} {name:<{width}} {run.wall:7.3f} s wall {run.cpu:7.3f} s CPU",
            flush=True,
        )

    for name, contender in contenders.items():
        show("warm-up", name, timed(contender))
    runs: dict[str, list[Run]] = {name: [] for name in contenders}
    for i in range(1, rounds + 1):
        for name, contender in contenders.items():
            run = timed(contender)
            runs[name].append(run)
            show(f"round {i}", name, run)
    return runs


def time_single_outputs(ffmpeg: str, song: Path, rounds: int) -> dict[str, dict[str, float]]:
    """Median time of each output alone, per contender: the floor of a parallel run."""
    folder = OUT_DIR / "single"
    folder.mkdir(parents=True, exist_ok=True)
    medians: dict[str, dict[str, float]] = {"mediamill": {}, "ffmpeg": {}}
    for o in OUTPUTS:
        label = Path(o.filename).suffix.lstrip(".")
        print(f"-- {label} ({o.preset_id})")
        runs = alternate(
            {
                "mediamill": functools.partial(run_mediamill_outputs, song, folder, [o]),
                "ffmpeg": functools.partial(run_ffmpeg_outputs, ffmpeg, song, folder, [o]),
            },
            rounds,
            indent="   ",
        )
        for name, values in runs.items():
            medians[name][label] = median_wall(values)
    print()
    print(f"{'output':<8} {'mediamill':>10} {'ffmpeg':>10}")
    for label in medians["mediamill"]:
        mm, ff = medians["mediamill"][label], medians["ffmpeg"][label]
        print(f"{label:<8} {mm:>9.3f}s {ff:>9.3f}s")

    # The AAC encoder is the slowest part and single-threaded in both FFmpeg builds: time it
    # with nothing around it (PCM in, no process start) to see how much of a run it is.
    print("\n-- reference: the AAC encoder alone, from decoded PCM")
    wav = folder / "song.wav"
    frames = decoded_frames(wav)
    runs = alternate(
        {
            "PyAV": lambda: encode_aac(frames, folder / "reference.mp4"),
            "ffmpeg": lambda: run_ffmpeg_outputs(ffmpeg, wav, folder, [OUTPUTS[2]]),
        },
        rounds,
        indent="   ",
    )
    for name, values in runs.items():
        medians.setdefault("aac encoder", {})[name] = median_wall(values)
        print(f"   {name:<7} AAC encode median {median_wall(values):.3f} s")
    return medians


def decoded_frames(path: Path) -> list[Any]:
    with av.open(str(path)) as container:
        return list(container.decode(audio=0))


def encode_aac(frames: Sequence[Any], path: Path) -> None:
    """AAC-LC 256 kbit/s 44.1 kHz stereo into MP4 with PyAV and no mediamill code."""
    with av.open(str(path), "w", format="mp4") as out:
        stream: Any = out.add_stream("aac", rate=44100, layout="stereo")
        stream.bit_rate = 256_000
        stream.codec_context.open(strict=False)
        resampler = av.AudioResampler(
            format="fltp", layout="stereo", rate=44100, frame_size=stream.codec_context.frame_size
        )
        for frame in [*frames, None]:
            for chunk in resampler.resample(frame):
                out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))


# --- sanity ---------------------------------------------------------------------------------


def describe(path: Path) -> tuple[str, str, int, int, str]:
    """(container, codec, sample rate, channels, sample format) of a written file."""
    with av.open(str(path)) as container:
        stream: Any = container.streams.audio[0]
        ctx = stream.codec_context
        return (
            path.suffix.lstrip("."),
            ctx.name,
            ctx.sample_rate,
            ctx.channels,
            ctx.format.name if ctx.format else "?",
        )


def duration(path: Path) -> float:
    with av.open(str(path)) as container:
        return container.duration / av.time_base if container.duration else 0.0


def compare_outputs(mm_dir: Path, ff_dir: Path) -> bool:
    """Print what each side wrote; true when both wrote the same kinds of output."""
    same = True
    header = f"{'output':<10} {'':<10} {'bytes':>11} {'seconds':>8}  container/codec/rate/ch/fmt"
    print(header)
    for o in OUTPUTS:
        kinds = []
        for name, folder in (("mediamill", mm_dir), ("ffmpeg", ff_dir)):
            path = folder / o.filename
            kind = describe(path)
            kinds.append(kind)
            print(
                f"{o.filename:<10} {name:<10} {path.stat().st_size:>11,} "
                f"{duration(path):>8.3f}  {'/'.join(map(str, kind))}"
            )
        # The sample format fed to an encoder may differ (e.g. planar or not); the
        # container, codec, rate and channels must not.
        if kinds[0][:4] != kinds[1][:4]:
            same = False
            print(f"   MISMATCH: {kinds[0]} != {kinds[1]}")
    return same


if __name__ == "__main__":
    sys.exit(main())
