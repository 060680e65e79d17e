from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from rumahbelajar import views

admin.site.site_header = "Rumah Belajar"
admin.site.site_title = "Rumah Belajar"
admin.site.index_title = "Administrasi"
# The admin has no login form of its own: it sends people through allauth's, which is rate
# limited and asks for the second factor.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("livez", views.livez, name="livez"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Before allauth's, so that people's pages win (no self-service email changes).
    path("accounts/", include("rumahbelajar.people.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("competency/", include("competency.urls")),
    path("ebooks/", include("ebooks.urls")),
    path("trainings/", include("training.urls")),
    path("reports/competency/", include("competency.report_urls")),
    path("reports/jp/", include("training.report_urls")),
    path("team/", include("training.team_urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("training.certificate_urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("competency.api")),
    path("", views.dashboard, name="dashboard"),
]
