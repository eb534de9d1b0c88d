from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CommunesConfig(AppConfig):
    name = "communes"
    verbose_name = _("Địa bàn và phân quyền")

    def ready(self):
        from ntm.lib.database import optimize_after_migrate

        # Once per `migrate` (this app's signal), after every app's migrations.
        post_migrate.connect(optimize_after_migrate, sender=self, dispatch_uid="ntm-optimize-after-migrate")
