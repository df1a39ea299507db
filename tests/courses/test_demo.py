"""The demo courses: real generated videos, idempotent loading."""

import av
import pytest

from courses import demo
from courses.models import Course, Enrollment, EnrollmentStatus, Lesson
from tests.courses import factories

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_makes_playable_webm(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    partner = factories.partner()
    first = demo.load()
    second = demo.load()
    assert first[0] == second[0]
    assert Course.objects.filter(code__in=["BLUE-INTRO", "REFRESH"]).count() == 2
    assert Enrollment.objects.filter(user=partner, course__code="BLUE-INTRO").count() == 1
    lapsed = Enrollment.objects.get(user=partner, course__code="REFRESH")
    assert lapsed.status == EnrollmentStatus.EXPIRED
    video = Lesson.objects.filter(kind="video").first()
    with av.open(str(tmp_path / video.video_file.name)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "vp8"
        assert container.duration / 1_000_000 == pytest.approx(demo.VIDEO_SECONDS, abs=0.2)
    assert (tmp_path / video.captions_file.name).read_text().startswith("WEBVTT")
