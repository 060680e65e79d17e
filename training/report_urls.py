"""The JP compliance report, mounted at /reports/jp/ by the wiring (rumahbelajar/urls.py)."""

from django.urls import path

from training import views

app_name = "training_reports"

urlpatterns = [
    path("", views.jp_report, name="jp"),
]
