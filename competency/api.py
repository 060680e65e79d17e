"""The results API for the assessment system (token auth). Built in competency/api.py."""

from django.urls import path  # noqa: F401

app_name = "api"

urlpatterns: list = []
