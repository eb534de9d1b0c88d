"""Accounts: where a login attempt comes from, and the shipped demo password.

`load_demo` gives every demo account one published password (README). Outside DEBUG a
person who signs in with it is sent to the password change page before anything else
(`PasswordChangeRequiredMiddleware`), and no form accepts it as a new password.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from communes.demo import DEMO_PASSWORD

# Set on the session by the login view; cleared by a successful password change.
PASSWORD_CHANGE_REQUIRED = "ntm_password_change_required"


def client_ip(request) -> str:
    """The address a login attempt came from (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind the reverse proxy every request comes from the proxy, so the address is the
    last X-Forwarded-For entry: the one the proxy itself appended, which a client
    cannot forge (earlier entries can be).
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def is_shipped_password(password: str) -> bool:
    return password == DEMO_PASSWORD


class NotShippedPasswordValidator:
    """Refuses the demo password as anyone's new password."""

    def validate(self, password, user=None):
        if is_shipped_password(password):
            raise ValidationError(
                _(
                    "Mật khẩu này là mật khẩu mặc định của bản trình diễn, ai cũng biết. "
                    "Hãy chọn mật khẩu khác."
                ),
                code="password_shipped",
            )

    def get_help_text(self):
        return _("Không dùng mật khẩu mặc định của bản trình diễn.")
