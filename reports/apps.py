from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """What leaders read: the district overview, dashboards and printed reports."""

    name = "reports"
    verbose_name = _("Báo cáo")
