"""What the forms of every app share."""

from django.db import IntegrityError, transaction


def save_unless_duplicate(save, form, message):
    """Run `save()` in a savepoint and return what it returns; None, with `message` as the
    form's error, when a unique constraint refuses the row.

    The form checked for duplicates already; this is for the one it could not see: the
    same form sent twice at the same moment, or a colleague a moment faster. Either way
    the person gets the form's error, never a server error.
    """
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        form.add_error(None, message)
        return None
