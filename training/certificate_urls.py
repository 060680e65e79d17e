"""Certificates' addresses at the root (no namespace): the download, and the public
verification page a certificate's QR code opens."""

from django.urls import path

from training import views

urlpatterns = [
    path("certificates/<int:pk>/file", views.certificate_file, name="certificate-file"),
    # Public (no login): printed on the certificate and encoded in its QR code.
    path("verify/<str:code>/", views.certificate_verify, name="verify-certificate"),
]
