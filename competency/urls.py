from django.urls import path, re_path

from competency import views

app_name = "competency"

urlpatterns = [
    path("", views.map_detail, name="map-detail"),
    path("target/", views.target_position, name="target"),
    # A NIP is 18 digits; any other shape is no employee's address (404 before the view runs).
    re_path(
        r"^employees/(?P<nip>[0-9]{18})/$",
        views.employee_map_detail,
        name="employee-map-detail",
    ),
]
