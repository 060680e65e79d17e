from django.urls import path

from training import activity_views, views

app_name = "training"

# <id_or_slug> is a training's id or its slug (selectors.training_for_detail resolves both; a slug
# always holds a letter). "mine/" and "activities/" come first, so they never read as a slug (and
# both are reserved: Training.slug refuses them).
urlpatterns = [
    path("", views.training_list, name="training-list"),
    path("mine/", views.training_mine, name="training-mine"),
    # From a cell of the competency report (/reports/competency/): HR nominates its people.
    path("nominations/new/", views.nomination_new, name="nomination-new"),
    path("activities/", activity_views.activity_list, name="activity-list"),
    path("activities/new/", activity_views.activity_new, name="activity-new"),
    path("activities/<int:pk>/", activity_views.activity_detail, name="activity-detail"),
    path(
        "activities/<int:pk>/evidence", activity_views.activity_evidence, name="activity-evidence"
    ),
    path(
        "activities/<int:pk>/withdraw-review",
        activity_views.review_withdraw,
        name="activity-withdraw-review",
    ),
    path("<slug:id_or_slug>/", views.training_detail, name="training-detail"),
    path("<slug:id_or_slug>/register", views.training_register, name="training-register"),
    path("<slug:id_or_slug>/cancel", views.training_cancel, name="training-cancel"),
    path(
        "<slug:id_or_slug>/withdraw-request",
        views.training_request_withdraw,
        name="training-request-withdraw",
    ),
    path("<slug:id_or_slug>/calendar.ics", views.training_calendar, name="training-calendar"),
]
