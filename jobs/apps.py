from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Việc chạy nền")

    def ready(self):
        from django_tasks.signals import task_started

        from . import signals

        # A worker taking a task looks for jobs whose worker went silent.
        task_started.connect(signals.interrupt_silent_jobs, dispatch_uid="jobs_interrupt_silent")
