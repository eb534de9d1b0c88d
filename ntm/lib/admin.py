"""Admin import/export screens for the spreadsheet contracts of DESIGN §5."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.forms import ExportForm, ImportForm

from .spreadsheet_files import SpreadsheetError, check_size
from .spreadsheets import CSV, XLSX

# How many refused rows the message after a failed confirmation lists, and how many
# warnings a message lists.
ERRORS_SHOWN = 20


class SpreadsheetImportForm(ImportForm):
    """import-export's import form, refusing a file over IMPORT_MAX_MB before it is read."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_size(upload.size)
        except SpreadsheetError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


def _listed(lines, total):
    if total > ERRORS_SHOWN:
        lines = [*lines[:ERRORS_SHOWN], _("… và %(count)d dòng khác.") % {"count": total - ERRORS_SHOWN}]
    return " ".join(lines)


class SpreadsheetAdminMixin:
    """For ImportExport admins whose resource is a `SheetResource`.

    Subclasses set `resource_classes` and `import_success_message`.
    """

    import_formats = [CSV, XLSX]
    export_formats = [XLSX, CSV]
    import_form_class = SpreadsheetImportForm
    # The warnings of the preview, and a note when it shows only the first rows.
    import_template_name = "admin/import_export/spreadsheet_import.html"
    # The file is a contract (DESIGN §5): no choosing of columns on export.
    export_form_class = ExportForm
    import_success_message = ""

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, SpreadsheetError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def write_to_tmp_storage(self, import_file, input_format):
        # import-export adds the chunks up one by one, copying the file once per chunk.
        tmp_storage = self.get_tmp_storage_class()(
            read_mode=input_format.get_read_mode(), **self.get_tmp_storage_class_kwargs()
        )
        tmp_storage.save(b"".join(import_file.chunks()))
        return tmp_storage

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            # The preview's file is gone: this confirmation came twice, or too late.
            messages.error(request, _("Phiên xem trước đã hết hạn hoặc đã được nhập. Hãy chọn lại tệp."))
            return HttpResponseRedirect(self._import_url())

    def process_result(self, result, request):
        # The file is checked again on confirmation (the database may have changed
        # since the preview); nothing was written if it failed.
        if result.has_errors() or result.has_validation_errors():
            errors = result.report.errors
            text = _listed([str(error) for error in errors], len(errors))
            messages.error(request, _("Không nhập gì: tệp có lỗi.") + " " + text)
            return HttpResponseRedirect(self._import_url())
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        report = result.report
        messages.success(request, " ".join([str(self.import_success_message), *report.summary_lines()]))
        if report.warnings:
            messages.warning(
                request, _listed([str(warning) for warning in report.warnings], len(report.warnings))
            )

    def _import_url(self):
        app_label, model_name = self.get_model_info()
        return reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
