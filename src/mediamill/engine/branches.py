"""One stream of one output: a filter graph that shapes decoded frames, then an encoder.

Each output owns its branches, and each output runs in its own thread, so the filters and
encoders of different outputs never share state. The decoded frames they receive *are*
shared between outputs: nothing here may modify a frame it is given (pushing it into a filter
graph takes a new reference; only frames pulled out of the graph are ours to change).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import av
import av.error
from av.video.frame import PictureType

from mediamill.engine.plan import AudioPlan, ThumbnailPlan, VideoPlan
from mediamill.engine.sizing import Geometry
from mediamill.probe import StreamInfo


class Branch:
    """A filter graph feeding an encoder that writes into one stream of a container."""

    kind: str
    stream: Any
    graph: Any = None
    source: Any = None
    sink: Any = None

    def push(self, frame: Any) -> None:
        """Feed one decoded frame to the filter graph (the frame itself is not modified)."""
        self.source.push(frame)

    def drain(self) -> list[Any]:
        """Encode every frame the filter graph has ready; return the packets."""
        packets: list[Any] = []
        while True:
            try:
                shaped = self.sink.pull()
            except (BlockingIOError, av.error.EOFError):
                return packets
            self.prepare(shaped)
            packets.extend(self.stream.encode(shaped))

    def flush(self) -> list[Any]:
        """End of input: everything still buffered in the filters and the encoder."""
        self.source.push(None)
        packets = self.drain()
        packets.extend(self.stream.encode(None))
        return packets

    def prepare(self, frame: Any) -> None:
        """Adjust a shaped frame (ours to change) before it is encoded."""


class AudioBranch(Branch):
    kind = "audio"

    def __init__(self, container: Any, plan: AudioPlan, source: StreamInfo, time_base: Fraction):
        stream: Any = container.add_stream(plan.encoder, rate=plan.sample_rate, layout=plan.layout)
        stream.format = plan.sample_format
        if plan.bit_rate:
            stream.bit_rate = plan.bit_rate
        stream.time_base = Fraction(1, plan.sample_rate)
        stream.codec_context.options = dict(plan.options)
        stream.codec_context.open(strict=False)
        self.stream = stream
        self.position = 0.0

        graph = av.filter.Graph()
        self.source = graph.add_abuffer(
            sample_rate=source.sample_rate,
            format=source.sample_format,
            layout=source.layout or f"{source.channels} channels",
            time_base=time_base,
        )
        chain = []
        mix = downmix(source, plan.layout)
        if mix is not None:
            chain.append(graph.add("pan", mix))
        chain += [
            graph.add("aresample", str(plan.sample_rate)),
            graph.add(
                "aformat",
                f"sample_fmts={plan.sample_format}:channel_layouts={plan.layout}",
            ),
        ]
        frame_size = stream.codec_context.frame_size
        if frame_size:
            # Fixed-frame encoders (AAC: 1024, MP3: 1152) need exactly that many samples.
            chain.append(graph.add("asetnsamples", f"n={frame_size}:p=0"))
        self.sink = graph.add("abuffersink")
        _link(self.source, *chain, self.sink)
        graph.configure()
        self.graph = graph


class VideoBranch(Branch):
    kind = "video"

    def __init__(self, container: Any, plan: VideoPlan, source: StreamInfo, time_base: Fraction):
        geo = plan.geometry
        stream: Any = container.add_stream(plan.encoder, rate=plan.frame_rate)
        stream.width, stream.height = geo.width, geo.height
        stream.pix_fmt = plan.pixel_format
        if plan.bit_rate:
            stream.bit_rate = plan.bit_rate
        stream.time_base = 1 / plan.frame_rate
        stream.codec_context.time_base = 1 / plan.frame_rate
        stream.codec_context.options = dict(plan.options)
        self.stream = stream

        graph, self.source, chain = _sized_graph(source, time_base, geo)
        chain.append(graph.add("fps", _rate(plan.frame_rate)))
        self.sink = graph.add("buffersink")
        if plan.pixel_format == "pal8":
            # One palette for the whole clip: palettegen sees every frame, so paletteuse
            # starts once the input ends (the frames wait in the graph until then).
            split = graph.add("split")
            palette = graph.add("palettegen", "stats_mode=full")
            use = graph.add("paletteuse", "dither=sierra2_4a")
            _link(self.source, *chain, split)
            split.link_to(use, 0, 0)
            split.link_to(palette, 1, 0)
            palette.link_to(use, 0, 1)
            use.link_to(self.sink)
        else:
            _link(self.source, *chain, graph.add("format", plan.pixel_format), self.sink)
        graph.configure()
        self.graph = graph
        every = plan.keyframe_every
        self.keyframe_every = None if every is None else Fraction(str(every))
        self.next_keyframe = Fraction(0)  # seconds of output

    def prepare(self, frame: Any) -> None:
        # A decoded frame remembers its input picture type, and encoders take an I frame as
        # "force a keyframe here": every input keyframe (or, from some sources, every frame)
        # would become one, blowing the bit rate. The preset's GOP decides keyframes, except
        # at segment boundaries, where every output of the job gets one at the same instant.
        frame.pict_type = PictureType.NONE
        if self.keyframe_every is None or frame.pts is None or frame.time_base is None:
            return
        # The first frame at or past the boundary: the muxer cuts there, not a frame early.
        time = frame.pts * Fraction(frame.time_base)
        if time >= self.next_keyframe:
            frame.pict_type = PictureType.I
            while self.next_keyframe <= time:
                self.next_keyframe += self.keyframe_every


class ThumbnailBranch:
    """Still images of one output: the first frame, then the first at or past each interval.

    Only the chosen frames go through the filter graph (scaled, cropped or padded as the
    preset's thumbnail policies say); each is encoded alone as PNG or JPEG into
    ``folder/00001.png``... Returns nothing to mux: the images are files of their own.
    """

    def __init__(self, plan: ThumbnailPlan, source: StreamInfo, time_base: Fraction, folder: str):
        self.plan, self.folder = plan, folder
        self.interval = Fraction(str(plan.interval))
        self.next_time: Fraction | None = None  # None: the first frame is taken
        self.names: list[str] = []
        geo = plan.geometry
        graph, self.source, chain = _sized_graph(source, time_base, geo)
        chain.append(graph.add("format", plan.pixel_format))
        self.sink = graph.add("buffersink")
        _link(self.source, *chain, self.sink)
        graph.configure()
        self.graph = graph

    def push(self, frame: Any) -> None:
        if frame.pts is None or frame.time_base is None:
            return
        time = frame.pts * Fraction(frame.time_base)
        if self.next_time is not None and time < self.next_time:
            return
        self.next_time = (time // self.interval + 1) * self.interval
        self.source.push(frame)
        while True:
            try:
                shaped = self.sink.pull()
            except (BlockingIOError, av.error.EOFError):
                return
            self._write(shaped)

    def _write(self, frame: Any) -> None:
        geo = self.plan.geometry
        encoder: Any = av.CodecContext.create(self.plan.encoder, "w")
        encoder.width, encoder.height = geo.width, geo.height
        encoder.pix_fmt = self.plan.pixel_format
        encoder.time_base = Fraction(1, 25)
        if self.plan.encoder == "mjpeg":
            encoder.options = {"qmin": "2", "qmax": "5"}  # good quality, not the default's
        frame.pts = None
        frame.pict_type = PictureType.NONE
        data = b"".join(bytes(p) for p in [*encoder.encode(frame), *encoder.encode(None)])
        name = f"{len(self.names) + 1:05d}.{self.plan.extension}"
        with open(f"{self.folder}/{name}", "wb") as out:
            out.write(data)
        self.names.append(name)


def downmix(source: StreamInfo, layout: str) -> str | None:
    """A ``pan`` filter mixing channels of no known order down to ``layout``, if needed.

    FFmpeg downmixes known layouts (5.1, 7.1...) by itself, but has no rule for channels
    without positions (a 64-channel WAV): those are mixed evenly, even channels to the left
    and odd ones to the right (or all into mono), with gains that cannot clip.
    """
    channels = source.channels or 0
    wanted = 1 if layout == "mono" else 2
    unordered = source.layout is None or source.layout.endswith(" channels")
    if not unordered or channels <= wanted:
        return None
    if wanted == 1:
        return "mono|c0<" + "+".join(f"c{i}" for i in range(channels))
    left = "+".join(f"c{i}" for i in range(0, channels, 2))
    right = "+".join(f"c{i}" for i in range(1, channels, 2))
    return f"stereo|FL<{left}|FR<{right}"


def _sized_graph(
    source: StreamInfo, time_base: Fraction, geo: Geometry
) -> tuple[Any, Any, list[Any]]:
    """A filter graph fed with ``source``'s frames, and the chain that brings them to
    ``geo``'s size (scale, then crop or pad, square pixels): (graph, buffer, chain).

    Outputs and thumbnails size pictures the same way; each adds its own last steps.
    """
    graph = av.filter.Graph()
    buffer = graph.add_buffer(
        width=source.width,
        height=source.height,
        format=av.VideoFormat(source.pixel_format or "yuv420p"),
        time_base=time_base,
    )
    chain = [graph.add("scale", f"{geo.scale_width}:{geo.scale_height}:flags=bicubic")]
    if geo.crops:
        chain.append(graph.add("crop", f"{geo.crop_width}:{geo.crop_height}"))
    if geo.pads:
        chain.append(graph.add("pad", f"{geo.width}:{geo.height}:(ow-iw)/2:(oh-ih)/2"))
    chain.append(graph.add("setsar", "1"))
    return graph, buffer, chain


def _rate(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}"


def _link(*nodes: Any) -> None:
    for upstream, downstream in itertools.pairwise(nodes):
        upstream.link_to(downstream)
