from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    """Evidence dossiers and their appraisal (models arrive with the dossiers issue)."""

    name = "dossiers"
    verbose_name = _("Hồ sơ minh chứng")
