import os

# Playwright's sync API runs an event loop in the test thread; Django refuses
# ORM calls from such threads unless told the tests know what they do.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
