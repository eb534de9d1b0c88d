from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Who changed what and when, read from the history the other apps keep."""

    name = "audit"
    verbose_name = _("Nhật ký thay đổi")
