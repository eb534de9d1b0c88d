from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from communes.access import access_for
from communes.models import Membership

Role = Membership.Role


def navigation(request):
    """The navigation a user sees follows their roles (DESIGN §1)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    district_wide = access.has_role(Role.COORDINATOR, Role.DEPARTMENT, Role.LEADER)
    items = [(_("Tổng quan"), reverse("reports:dashboard"))]
    if district_wide:
        # A menu names the list ("Communes"); elsewhere "Xã" is one commune.
        items.append((pgettext("navigation", "Xã"), reverse("communes:commune_list")))
    elif access.has_role(Role.COMMUNE):
        items.append((_("Xã của tôi"), reverse("communes:commune_list")))
    items.append((_("Hồ sơ"), reverse("dossiers:progress")))
    if district_wide:
        items.append((_("Cuộc họp"), reverse("meetings:meeting_list")))
    if access.roles or user.is_superuser:
        items.append((_("Nhiệm vụ"), reverse("meetings:task_list")))
    items.append((_("Báo cáo"), reverse("reports:index")))
    items.append((pgettext("navigation", "Bộ tiêu chí"), reverse("criteria:set_list")))
    if access.reads_audit:
        items.append((_("Nhật ký thay đổi"), reverse("audit:list")))
    if user.is_superuser:
        items.append((_("Quản trị hệ thống"), reverse("admin:index")))
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": path == url or (url != "/" and path.startswith(url))}
            for label, url in items
        ],
        "user_role_labels": [Role(r).label for r in sorted(access.roles, key=Role.values.index)],
        "user_is_read_only": access.is_read_only,
    }
