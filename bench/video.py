"""Benchmark: mediamill's video engine against the ``ffmpeg`` command line.

(a) a 720p clip to one H.264/AAC MP4 preset (Generic 720p, 000010), mediamill's
``transcode()`` against one ``ffmpeg`` with the same settings (target: <= 1.05 x ffmpeg);
(b) ET's five-rendition HLS ladder (200010 ... 200050, 10 s segments) from one 1080p input,
against ONE ``ffmpeg`` invocation writing the same five HLS renditions with keyframes forced
at the segment boundaries (target: <= 0.9 x ffmpeg). Runs alternate after one warm-up each;
times are wall clock and include mediamill's sandboxed child and ffmpeg's start-up.

    python -m bench.video [--rounds 3] [--seconds 30]
    python -m bench.video --smoke   # one round on 2 s inputs: checks that it runs

Thumbnails alone (the issue's part (c)) are not compared: mediamill makes thumbnails only as
part of an output, as Elastic Transcoder did, so there is no like-for-like command.
Results are recorded in docs/benchmarks.md; the script reports targets, it does not enforce
them, and exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.transcode_vs_ffmpeg import alternate, find_ffmpeg, median_wall, print_context

from mediamill.engine import OutputRequest, transcode
from mediamill.presets import get_system
from mediamill.testing import write_video

OUT_DIR = Path(__file__).resolve().parent / "out" / "video"
MP4_TARGET, LADDER_TARGET = 1.05, 0.9
GENERIC_720P = "1351620000001-000010"
#: The ladder: preset, then the ffmpeg settings mediamill's plan gives it (size after
#: ShrinkToFit from 1920x1080, profile, level, kbit/s, refs).
LADDER = (
    ("1351620000001-200010", "1024:576", "main", "3.1", 1872, 3),
    ("1351620000001-200020", "960:540", "main", "3.1", 1372, 3),
    ("1351620000001-200030", "640:360", "main", "3.1", 872, 3),
    ("1351620000001-200040", "480:270", "baseline", "3", 472, 3),
    ("1351620000001-200050", "400:224", "baseline", "3", 272, 1),
)
AUDIO = "-c:a aac -b:a {kbps}k -ar 44100 -ac 2"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--seconds", type=float, default=30.0, help="input length (default 30)")
    parser.add_argument("--smoke", action="store_true", help="one round on 2 s inputs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.seconds = 1, 2.0
    segment = 1.0 if args.smoke else 10.0
    ffmpeg = find_ffmpeg()
    print_context(ffmpeg)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    clip_720 = write_video(OUT_DIR / "in-720p.mp4", args.seconds, width=1280, height=720)
    clip_1080 = write_video(OUT_DIR / "in-1080p.mp4", args.seconds, width=1920, height=1080)

    print(f"\n== (a) {args.seconds:g} s 720p -> Generic 720p MP4, {args.rounds} rounds")
    mp4 = compare(
        {
            "mediamill": lambda: mediamill_mp4(clip_720),
            "ffmpeg": lambda: run(ffmpeg_mp4(ffmpeg, clip_720)),
        },
        args.rounds,
        "(a) mp4",
        MP4_TARGET,
    )
    print(f"\n== (b) {args.seconds:g} s 1080p -> five HLS renditions, {args.rounds} rounds")
    ladder = compare(
        {
            "mediamill": lambda: mediamill_ladder(clip_1080, segment),
            "ffmpeg": lambda: run(ffmpeg_ladder(ffmpeg, clip_1080, segment)),
        },
        args.rounds,
        "(b) ladder",
        LADDER_TARGET,
    )
    print("\n== Summary")
    print(f"(a) mp4 ratio mediamill/ffmpeg: {mp4:.3f} (target <= {MP4_TARGET})")
    print(f"(b) ladder ratio mediamill/ffmpeg: {ladder:.3f} (target <= {LADDER_TARGET})")
    return 0


def compare(
    contenders: dict[str, Callable[[], None]], rounds: int, label: str, target: float
) -> float:
    runs = alternate(contenders, rounds)
    ratio = median_wall(runs["mediamill"]) / median_wall(runs["ffmpeg"])
    verdict = "met" if ratio <= target else "NOT met"
    print(f"{label}: ratio {ratio:.3f} of medians, target <= {target}: {verdict}")
    return ratio


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True)


def fresh(name: str) -> Path:
    folder = OUT_DIR / name
    if folder.exists():
        for path in folder.iterdir():
            path.unlink()
    folder.mkdir(exist_ok=True)
    return folder


def mediamill_mp4(clip: Path) -> None:
    out = fresh("mm-mp4")
    transcode(clip, [OutputRequest(get_system(GENERIC_720P), out / "v.mp4")])


def ffmpeg_mp4(ffmpeg: str, clip: Path) -> list[str]:
    out = fresh("ff-mp4")
    video = (
        "-vf scale=1280:720:flags=bicubic,setsar=1,fps=30000/1001,format=yuv420p "
        "-c:v libx264 -preset medium -profile:v baseline -level 3.1 -b:v 2400k -g 90 -refs 3"
    )
    options = f"{video} {AUDIO.format(kbps=160)} -movflags +faststart"
    return [ffmpeg, "-v", "error", "-y", "-i", str(clip), *options.split(), str(out / "v.mp4")]


def mediamill_ladder(clip: Path, segment: float) -> None:
    out = fresh("mm-hls")
    requests = [OutputRequest(get_system(pid), out / pid[-6:], segment) for pid, *_ in LADDER]
    transcode(clip, requests)


def ffmpeg_ladder(ffmpeg: str, clip: Path, segment: float) -> list[str]:
    """One ffmpeg: decode once, split, scale each rendition, five hls outputs."""
    out = fresh("ff-hls")
    split = f"[0:v]split={len(LADDER)}" + "".join(f"[s{i}]" for i in range(len(LADDER)))
    scales = [
        f"[s{i}]scale={size}:flags=bicubic,setsar=1,fps=30,format=yuv420p[v{i}]"
        for i, (_, size, *_rest) in enumerate(LADDER)
    ]
    command = [ffmpeg, "-v", "error", "-y", "-i", str(clip)]
    command += ["-filter_complex", ";".join([split, *scales])]
    for i, (pid, _, profile, level, kbps, refs) in enumerate(LADDER):
        name = pid[-6:]
        command += ["-map", f"[v{i}]", "-map", "0:a"]
        command += f"-c:v libx264 -preset medium -profile:v {profile} -level {level}".split()
        command += f"-b:v {kbps}k -maxrate {kbps}k -bufsize {9 * kbps}k -refs {refs}".split()
        command += ["-g", "90", "-keyint_min", "90", "-sc_threshold", "0"]
        command += ["-force_key_frames", f"expr:gte(t,n_forced*{segment:g})"]
        command += AUDIO.format(kbps=128).split()
        command += ["-f", "hls", "-hls_time", f"{segment:g}", "-hls_list_size", "0"]
        command += ["-hls_playlist_type", "vod", "-start_number", "0"]
        command += ["-hls_segment_filename", str(out / f"{name}%05d.ts"), str(out / f"{name}.m3u8")]
    return command


if __name__ == "__main__":
    raise SystemExit(main())
