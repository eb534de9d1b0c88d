"""What a user was told, and whether they want it by email."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SUBMITTED = "submitted", _("Xã nộp hồ sơ")
    RETURNED = "returned", _("Huyện trả lại hồ sơ")
    ACCEPTED = "accepted", _("Huyện chấp nhận hồ sơ")
    APPRAISAL_RECORDED = "appraisal", _("Có kết quả thẩm định của sở, ngành")
    VERIFICATION_REQUESTED = "verification", _("Kết quả chờ thẩm tra")
    DEADLINE_NEAR = "deadline", _("Sắp đến hạn")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("người nhận"),
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind)
    message = models.TextField(_("nội dung"))
    url = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.recipient}: {self.get_kind_display()}"


class EmailPreference(models.Model):
    """A user's choice about email; without a row, notices are emailed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference"
    )
    email_enabled = models.BooleanField(_("nhận thông báo qua thư điện tử"), default=True)

    class Meta:
        verbose_name = _("lựa chọn nhận thư")
        verbose_name_plural = _("lựa chọn nhận thư")

    def __str__(self):
        return f"{self.user}: {self.email_enabled}"
