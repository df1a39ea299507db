"""The courses app's JSON endpoints, under ``/api/courses/``: answers for the player."""

from django.urls import path

from courses import views

app_name = "courses_api"

urlpatterns = [
    # The player's reports, every few seconds while a video plays.
    path(
        "<int:enrollment_id>/progress/<int:lesson_id>",
        views.progress_report,
        name="progress",
    ),
]
