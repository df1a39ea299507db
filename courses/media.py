"""Short lesson videos made by the portal itself, for the demo courses and the tests.

The demo needs real video files without downloading anything: PyAV (FFmpeg's
libraries with libvpx, shipped in its wheel) encodes a few seconds of WebM/VP8, which
every Chromium can play, including Debian's build without proprietary codecs.
"""

from pathlib import Path

WIDTH, HEIGHT, FPS = 320, 180, 10


def _frame_bytes(index: int, total: int, colour: tuple[int, int, int]) -> bytes:
    """A solid background with a white bar that grows as the video plays."""
    bar_width = max(1, WIDTH * (index + 1) // total)
    background = bytes(colour)
    white = b"\xff\xff\xff"
    rows = []
    for y in range(HEIGHT):
        if HEIGHT * 2 // 5 <= y < HEIGHT * 3 // 5:
            rows.append(white * bar_width + background * (WIDTH - bar_width))
        else:
            rows.append(background * WIDTH)
    return b"".join(rows)


def video_generate(*, path: Path, seconds: int, colour: tuple[int, int, int]) -> Path:
    """Write a ``seconds``-long WebM (VP8) to ``path``; return the path."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    total = seconds * FPS
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.bit_rate = 200_000
        for index in range(total):
            frame = av.VideoFrame(WIDTH, HEIGHT, "rgb24")
            frame.planes[0].update(_frame_bytes(index, total, colour))
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def captions_generate(*, path: Path, seconds: int, lines: list[str]) -> Path:
    """Write WebVTT captions spreading ``lines`` evenly over ``seconds``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    step = seconds / max(1, len(lines))
    cues = ["WEBVTT", ""]
    for index, line in enumerate(lines):
        start, end = index * step, (index + 1) * step
        cues += [f"{_ts(start)} --> {_ts(end)}", line, ""]
    path.write_text("\n".join(cues), encoding="utf-8")
    return path


def _ts(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, minutes = millis // 3_600_000, millis // 60_000 % 60
    return f"{hours:02d}:{minutes:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"
