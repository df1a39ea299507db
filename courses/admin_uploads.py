"""The bulk-enrollment upload's template downloads (docs/admin.md)."""

from django.http import Http404, HttpResponse

from courses.upload_templates import FILE_NAME, enrollment_template

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def upload_template_response(kind: str) -> HttpResponse:
    if kind not in CONTENT_TYPES:
        raise Http404("양식은 CSV 또는 XLSX입니다.")
    return attachment(enrollment_template(kind=kind), kind=kind, name=FILE_NAME)


def attachment(data: bytes, *, kind: str, name: str) -> HttpResponse:
    """A file download named ``name.kind`` (Korean names as RFC 6266 says)."""
    from urllib.parse import quote

    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = (
        f"attachment; filename=\"template.{kind}\"; filename*=UTF-8''{quote(name)}.{kind}"
    )
    return response
