from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("siasn/", views.siasn_export, name="siasn-export"),
]
