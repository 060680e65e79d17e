"""The results API of the assessment system: JSON, bearer token, described by competency/openapi.py.

    POST /api/v1/results                  record a result (idempotent on external_id)
    GET  /api/v1/employees/<nip>/map      an employee's stored competency map
    GET  /api/v1/openapi.json             the OpenAPI 3.1 document (no token needed)

Every answer, errors included, is JSON of the shape the document gives for its status; no input
makes it answer 500 (endpoint.py). rumahbelajar/urls.py includes this module under /api/v1/.
"""

from django.urls import path, re_path

from competency.api import views

app_name = "api"

urlpatterns = [
    path("results", views.result_create, name="result-create"),
    path("employees/<str:nip>/map", views.map_detail, name="map-detail"),
    path("openapi.json", views.openapi_document, name="openapi"),
    # Anything else under /api/v1/ is a JSON 404 too, not the site's HTML page or login redirect.
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
