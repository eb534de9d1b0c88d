"""Admin import/export screens for the spreadsheet contracts of DESIGN §5."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.forms import ExportForm

from .spreadsheets import CSV, XLSX, result_errors

# How many refused rows the message after a failed confirmation lists.
ERRORS_SHOWN = 20


class SpreadsheetAdminMixin:
    """For ImportExport admins whose resource is all-or-nothing.

    Subclasses set `resource_classes`, `import_success_message` and
    `import_summary(result)` (the lines that say what was imported).
    """

    import_formats = [CSV, XLSX]
    export_formats = [XLSX, CSV]
    # The file is a contract (DESIGN §5): no choosing of columns on export.
    export_form_class = ExportForm
    # Excel shows a UTF-8 CSV correctly only when it starts with a BOM.
    to_encoding = "utf-8-sig"
    import_success_message = ""

    def import_summary(self, result) -> list[str]:
        raise NotImplementedError

    def process_result(self, result, request):
        # The file is checked again on confirmation (the database may have changed
        # since the preview); the resource has rolled everything back if it failed.
        if result.has_errors() or result.has_validation_errors():
            errors = result_errors(result)
            lines = [str(error) for error in errors[:ERRORS_SHOWN]]
            if len(errors) > ERRORS_SHOWN:
                lines.append(_("… và %(count)d lỗi khác.") % {"count": len(errors) - ERRORS_SHOWN})
            messages.error(request, _("Không nhập gì: tệp có lỗi.") + " " + " ".join(lines))
            app_label, model_name = self.get_model_info()
            url = reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
            return HttpResponseRedirect(url)
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        messages.success(request, " ".join([str(self.import_success_message), *self.import_summary(result)]))
