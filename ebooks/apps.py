from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EbooksConfig(AppConfig):
    name = "ebooks"
    verbose_name = _("E-book")
