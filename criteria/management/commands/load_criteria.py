"""python manage.py load_criteria FILE.yaml [...] | --all"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from criteria.loader import CriteriaFileError, load_criteria_set, read_criteria_file


def fixtures_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "criteria"


class Command(BaseCommand):
    help = _("Nạp hoặc cập nhật bộ tiêu chí từ tệp YAML (xem fixtures/criteria/README.md).")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE.yaml", help=_("Tệp bộ tiêu chí"))
        parser.add_argument(
            "--all", action="store_true", help=_("Nạp mọi tệp *.yaml trong fixtures/criteria/")
        )

    def handle(self, *args, files, all, **options):
        paths = [Path(name) for name in files]
        if all:
            paths += sorted(fixtures_dir().glob("*.yaml"))
        if not paths:
            raise CommandError(_("Cần chỉ ra ít nhất một tệp, hoặc dùng --all."))
        # Every file is checked before anything is written: a bad file loads nothing.
        sets = []
        problems = []
        for path in paths:
            try:
                sets.append((path, read_criteria_file(path)))
            except CriteriaFileError as error:
                problems.append(str(error))
        codes = [data["code"] for _path, data in sets]
        for code in sorted({code for code in codes if codes.count(code) > 1}):
            problems.append(_("Bộ tiêu chí %(code)s có trong nhiều tệp") % {"code": code})
        if problems:
            raise CommandError("\n".join(problems))
        results = []
        with transaction.atomic():
            for path, data in sets:
                try:
                    results.append((path, load_criteria_set(data=data)))
                except CriteriaFileError as error:
                    # Raised inside the transaction, so the files loaded before it roll back too.
                    error.source = str(path)
                    raise CommandError(str(error)) from error
        for path, result in results:
            self.stdout.write(
                _(
                    "%(code)s (%(file)s): %(criteria)s tiêu chí, %(indicators)s chỉ tiêu — "
                    "tạo mới %(created)s, cập nhật %(updated)s, xóa %(deleted)s, giữ lại %(kept)s"
                )
                % {
                    "code": result.criteria_set.code,
                    "file": path.name,
                    "criteria": result.criteria_count,
                    "indicators": result.indicator_count,
                    "created": result.created,
                    "updated": result.updated,
                    "deleted": result.deleted,
                    "kept": len(result.kept),
                }
            )
            if result.set_created:
                self.stdout.write("  " + _("Đã tạo bộ tiêu chí mới."))
            elif result.set_updated:
                self.stdout.write("  " + _("Đã cập nhật thông tin bộ tiêu chí."))
            for label in result.kept:
                self.stdout.write(
                    "  " + _("Giữ lại vì đã có dữ liệu (không còn trong tệp): %(item)s") % {"item": label}
                )
