from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    """Steering-committee meetings, their conclusions and the tasks born from them."""

    name = "meetings"
    verbose_name = _("Cuộc họp và nhiệm vụ")
