"""Watched intervals of media time: merging, measuring, parsing (courses.md, video rule).

An interval is ``(start, end)`` in seconds with ``start < end``. A merged list is sorted
and disjoint, so its total length is the number of seconds really watched: overlapping
or repeated reports count once.
"""

import math

Interval = tuple[float, float]


def intervals_clipped(new: list[Interval], limit: float = math.inf) -> list[Interval]:
    """``new`` clipped to ``[0, limit]`` at millisecond precision (finer differences are
    noise of the player's clock), empty intervals dropped."""
    spans = ((round(max(0.0, start), 3), round(min(float(limit), end), 3)) for start, end in new)
    return [(start, end) for start, end in spans if end > start]


def intervals_merge(
    *, existing: list[list[float]], new: list[Interval], limit: float
) -> list[list[float]]:
    """Union of ``existing`` and ``new``, clipped to ``[0, limit]``, sorted and disjoint."""
    spans = [(float(s), float(e)) for s, e in existing]
    spans += intervals_clipped(new, limit)
    spans.sort()
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def intervals_total(intervals: list[list[float]]) -> float:
    return sum(end - start for start, end in intervals)


MAX_INTERVALS_PER_REPORT = 50


def intervals_parse(raw: str) -> list[Interval]:
    """Read ``"0-5.2,7.5-12"`` as intervals; raise ValueError on anything else."""
    raw = raw.strip()
    if not raw:
        return []
    parts = raw.split(",")
    if len(parts) > MAX_INTERVALS_PER_REPORT:
        raise ValueError("too many intervals")
    result = []
    for part in parts:
        start_text, sep, end_text = part.partition("-")
        if not sep:
            raise ValueError("interval without '-'")
        start, end = float(start_text), float(end_text)
        if not (0 <= start < end < 1e7):
            raise ValueError("interval out of range")
        result.append((start, end))
    return result
