from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import EmailPreferenceForm
from .models import EmailPreference, Notification

PER_PAGE = 50


@login_required
def notification_list(request):
    """The signed-in user's own notices, newest first; unread ones marked."""
    notices = Notification.objects.filter(recipient=request.user)
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "notices": page.object_list, "unread": notices.unread().count()}
    return render(request, "notifications/notification_list.html", context)


@login_required
@require_POST
def mark_read(request):
    Notification.objects.filter(recipient=request.user).unread().update(read_at=timezone.now())
    messages.success(request, _("Đã đánh dấu mọi thông báo là đã đọc."))
    return redirect("notifications:list")


@login_required
def email_settings(request):
    """Each user turns email on or off for themselves; the notices stay in the app."""
    preference = EmailPreference.objects.filter(user=request.user).first() or EmailPreference(
        user=request.user
    )
    form = EmailPreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        if form.cleaned_data["email_enabled"]:
            messages.success(request, _("Đã bật nhận thông báo qua thư điện tử."))
        else:
            messages.success(request, _("Đã tắt thư điện tử; thông báo vẫn hiện trong ứng dụng."))
        return redirect("notifications:settings")
    return render(
        request, "notifications/email_settings.html", {"form": form, "has_email": bool(request.user.email)}
    )
