"""The competency report, mounted at /reports/competency/ by the wiring (rumahbelajar/urls.py)."""

from django.urls import path

from competency import views

app_name = "competency_reports"

urlpatterns = [
    path("", views.competency_report, name="heatmap"),
]
