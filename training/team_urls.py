"""/team/: what a supervisor does for their team. The approval queue lives with the reports it
decides (training); the wiring mounts it at /team/."""

from django.urls import path

from training import activity_views

app_name = "team"

urlpatterns = [
    path("approvals/", activity_views.approval_list, name="approval-list"),
    path("approvals/<int:pk>/", activity_views.approval_decide, name="approval-decide"),
]
