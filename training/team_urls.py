"""/team/: what a supervisor does for their team: the team itself (team_views), and the
approval queue of learning reports and registration requests (activity_views). The wiring mounts
it at /team/."""

from django.urls import path

from training import activity_views, team_views

app_name = "team"

urlpatterns = [
    path("", team_views.team_detail, name="team-detail"),
    path("approvals/", activity_views.approval_list, name="approval-list"),
    path("approvals/<int:pk>/", activity_views.approval_decide, name="approval-decide"),
    path("approvals/requests/<int:pk>/", activity_views.request_decide, name="request-decide"),
]
