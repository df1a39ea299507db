"""Sending stored files (lesson videos and captions) once a view has allowed it.

Production (``MEDIA_ACCEL_REDIRECT`` set): the view only checks access and answers
with ``X-Accel-Redirect``; nginx sends the file from its internal location, with byte
ranges, so no web worker holds a file while a slow phone downloads it. The embedded
default: Django sends it, a byte range in chunks of ``CHUNK_BYTES`` as they are
written out, never a whole range in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

CHUNK_BYTES = 64 * 1024


def accel_redirect(name: str, *, content_type: str) -> HttpResponse | None:
    """The answer that hands ``name`` (a storage name) to nginx, or None without it."""
    prefix = settings.MEDIA_ACCEL_REDIRECT
    if not prefix:
        return None
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
    return response


def file_range(handle: BinaryIO, *, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``start``..``end`` (inclusive) of ``handle``, chunk by chunk; closes it."""
    try:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def range_response(
    handle: BinaryIO, *, start: int, end: int, size: int, content_type: str
) -> StreamingHttpResponse:
    """A 206 answer streaming bytes ``start``..``end`` of a file of ``size`` bytes."""
    response = StreamingHttpResponse(
        file_range(handle, start=start, end=end), status=206, content_type=content_type
    )
    response["Content-Length"] = str(end - start + 1)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
