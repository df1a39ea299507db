"""What the portal app itself stores: the state of each scheduled job."""

from django.db import models


class JobOutcome(models.TextChoices):
    RUNNING = "running", "실행 중"
    OK = "ok", "성공"
    FAILED = "failed", "실패"


class ScheduledJob(models.Model):
    """One row per job of ``portal/schedule.py``: its last run, how long, how it ended.

    The worker writes it when it starts and ends the job's task (``portal.jobs``);
    ``tracked_since`` is when the row was made (at ``migrate``), the point from which
    a job that never ran counts as missed.
    """

    name = models.CharField("작업", max_length=100, unique=True)
    tracked_since = models.DateTimeField("기록 시작")
    last_started_at = models.DateTimeField("마지막 시작", null=True, blank=True)
    last_finished_at = models.DateTimeField("마지막 종료", null=True, blank=True)
    last_duration_seconds = models.FloatField("걸린 시간(초)", null=True, blank=True)
    last_outcome = models.CharField(
        "결과", max_length=10, choices=JobOutcome.choices, blank=True, default=""
    )
    last_error = models.TextField("마지막 오류", blank=True)
    last_success_at = models.DateTimeField("마지막 성공", null=True, blank=True)
    last_task_id = models.CharField("작업 ID", max_length=100, blank=True)

    class Meta:
        verbose_name = "예약 작업"
        verbose_name_plural = "예약 작업"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_outcome__in=["", *JobOutcome.values]),
                name="portal_job_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(last_duration_seconds__isnull=True)
                | models.Q(last_duration_seconds__gte=0),
                name="portal_job_duration_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name
