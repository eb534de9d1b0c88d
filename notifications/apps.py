from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notices and email, for the steps someone must act on."""

    name = "notifications"
    verbose_name = _("Thông báo")
