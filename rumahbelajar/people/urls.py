"""People's pages under accounts/, included before allauth's so that these win.

No app_name: the one page here takes over allauth's global URL name, which allauth's templates
reverse.
"""

from django.urls import path

from rumahbelajar.people import views

urlpatterns = [
    # HR owns email addresses: no self-service page to change them.
    path("email/", views.email_managed_by_hr, name="account_email"),
]
