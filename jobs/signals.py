from .services import interrupt_silent_jobs as interrupt


def interrupt_silent_jobs(sender, **kwargs):
    """A worker starts a task: jobs whose worker went silent are recorded interrupted."""
    interrupt()
