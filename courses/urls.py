from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("open/<int:course_id>/enroll", views.self_enroll, name="self_enroll"),
    path("lessons/<int:lesson_id>/<str:part>", views.lesson_media, name="lesson_media"),
    path("<int:enrollment_id>/", views.enrollment_detail, name="enrollment"),
    path("<int:enrollment_id>/certificate/", views.certificate, name="certificate"),
    path("<int:enrollment_id>/lessons/<int:position>/", views.lesson, name="lesson"),
    path(
        "<int:enrollment_id>/lessons/<int:position>/confirm",
        views.lesson_confirm,
        name="lesson_confirm",
    ),
]
