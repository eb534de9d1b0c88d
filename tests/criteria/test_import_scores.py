"""The scores file (DESIGN §5): import, validation, export, template, commands and the admin."""

import datetime
import io
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from communes.models import Commune, District, Membership, Region
from criteria.loader import load_criteria_set, read_criteria_file
from criteria.models import (
    CriteriaSet,
    Criterion,
    Indicator,
    IndicatorTarget,
    Recognition,
    Registration,
    Score,
)
from criteria.resources import (
    COLUMNS,
    export_scores,
    import_scores,
    render_scores_file,
    score_template,
)
from criteria.standing import commune_standings
from tests.base import PersonasTestCase

HEADER = list(COLUMNS)
SET_CODE = "QD318-2022-XA-NTM"
CRITERIA_FILE = Path(settings.BASE_DIR) / "fixtures" / "criteria" / "qd318-2022-xa-ntm.yaml"
UNMET = ["2.1", "2.2", "11", "13.2", "17.5"]
YEAR = 2024


def xlsx(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    for values in [header, *rows]:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows, header=HEADER, bom=True, delimiter=","):
    text = "\r\n".join(delimiter.join(values) for values in [header, *rows]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


class ScoresTestCase(PersonasTestCase):
    """The personas, the shipped QD318 set (57 indicators) with the target a province would
    give indicator 3.1 (≥80%), and a small village-level set."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.national = load_criteria_set(data=read_criteria_file(CRITERIA_FILE)).criteria_set
        cls.codes = list(
            Indicator.objects.filter(criterion__criteria_set=cls.national).values_list("code", flat=True)
        )
        watered = Indicator.objects.get(criterion__criteria_set=cls.national, code="3.1")
        IndicatorTarget.objects.create(indicator=watered, value="≥80%", source="tests")
        cls.village_set = CriteriaSet.objects.create(
            code="TEST-THON-NTM", name="Thôn nông thôn mới (thử)", level=CriteriaSet.Level.VILLAGE
        )
        criterion = Criterion.objects.create(criteria_set=cls.village_set, number=1, name="Giao thông")
        Indicator.objects.create(criterion=criterion, code="1.1", text="Đường thôn được cứng hóa")

    def row(self, code, result="Đạt", value="", note="", **cells):
        """A row of commune A for QD318 in 2024, with some cells changed."""
        commune = cells.pop("commune", self.commune_a)
        values = {
            "Mã xã": commune.code,
            "Xã": commune.name,
            "Mã thôn": "",
            "Bộ tiêu chí": SET_CODE,
            "Mã chỉ tiêu": code,
            "Năm": str(YEAR),
            "Giá trị": value,
            "Kết quả": result,
            "Ghi chú": note,
        }
        values.update((column.replace("_", " "), value) for column, value in cells.items())
        return list(values.values())

    def full_file(self, commune=None):
        """Every indicator "Đạt" except UNMET, "Chưa đạt"."""
        commune = commune or self.commune_a
        return [
            self.row(code, "Chưa đạt" if code in UNMET else "Đạt", commune=commune) for code in self.codes
        ]

    def score(self, code, commune=None):
        return Score.objects.get(indicator__code=code, commune=commune or self.commune_a, village=None)


class AcceptanceTests(ScoresTestCase):
    def test_a_file_for_one_commune_gives_its_standing(self):
        report = import_scores(xlsx(self.full_file()), user=self.coordinator)
        self.assertTrue(report.ok, report.errors)
        standing = commune_standings([self.commune_a], criteria_set=self.national, year=YEAR)[
            self.commune_a.pk
        ]
        self.assertEqual((standing.criteria_met, standing.criteria_total), (15, 19))
        self.assertEqual((standing.indicators_met, standing.indicators_total), (52, 57))
        self.assertEqual(standing.unmet_indicator_codes, UNMET)


class ImportTests(ScoresTestCase):
    def test_it_reports_new_rows(self):
        report = import_scores(xlsx(self.full_file()), user=self.coordinator)
        self.assertEqual(report.counts, {"new": 57, "updated": 0, "unchanged": 0, "skipped": 0})
        self.assertIn("Kết quả chỉ tiêu: 57 mới, 0 cập nhật, 0 không đổi", report.summary_lines()[0])
        self.assertEqual(Score.objects.count(), 57)

    def test_empty_result_is_computed_from_the_regional_target(self):
        watered = Indicator.objects.get(criterion__criteria_set=self.national, code="3.1")
        IndicatorTarget.objects.create(indicator=watered, region=Region.BTB, value="≥90%")
        report = import_scores(xlsx([self.row("3.1", "", "85,5")]), user=self.coordinator)
        self.assertTrue(report.ok, report.errors)
        score = self.score("3.1")
        self.assertEqual((score.value_number, score.status), (Decimal("85.5"), Score.Status.NOT_MET))

    def test_override_with_a_reason_in_the_note_is_stored(self):
        row = self.row("3.1", "Đạt", "75", "Số liệu đo lại tháng 6, chờ cập nhật")
        self.assertTrue(import_scores(xlsx([row]), user=self.coordinator).ok)
        score = self.score("3.1")
        self.assertEqual(score.status, Score.Status.MET)
        self.assertEqual(score.override_reason, "Số liệu đo lại tháng 6, chờ cập nhật")

    def test_note_of_a_row_that_is_not_overridden_is_the_score_note(self):
        import_scores(xlsx([self.row("1.1", note="Đã công bố tại nhà văn hóa")]), user=self.coordinator)
        score = self.score("1.1")
        self.assertEqual((score.note, score.override_reason), ("Đã công bố tại nhà văn hóa", ""))

    def test_words_ignore_case_and_diacritics(self):
        rows = [self.row("1.1", "chua dat"), self.row("13.4", "KHÔNG ÁP DỤNG"), self.row("1.2", "co ban dat")]
        self.assertTrue(import_scores(xlsx(rows), user=self.coordinator).ok)
        statuses = [self.score(code).status for code in ("1.1", "13.4", "1.2")]
        self.assertEqual(statuses, ["not_met", "not_applicable", "basically_met"])

    def test_numbers_take_a_decimal_comma_or_point(self):
        rows = [self.row("2.1", "Đạt", "99.5"), self.row("3.1", "", "80,25"), self.row("6.3", "", 100)]
        self.assertTrue(import_scores(xlsx(rows), user=self.coordinator).ok)
        values = [self.score(code).value_number for code in ("2.1", "3.1", "6.3")]
        self.assertEqual(values, [Decimal("99.5"), Decimal("80.25"), Decimal("100")])
        self.assertEqual(self.score("3.1").status, Score.Status.MET)

    def test_reimport_changes_nothing(self):
        data = xlsx(self.full_file())
        import_scores(data, user=self.coordinator)
        versions = list(Score.objects.order_by("pk").values_list("version", flat=True))
        report = import_scores(data, user=self.coordinator)
        self.assertEqual(report.counts, {"new": 0, "updated": 0, "unchanged": 57, "skipped": 0})
        self.assertEqual(list(Score.objects.order_by("pk").values_list("version", flat=True)), versions)

    def test_a_changed_value_resets_verification(self):
        import_scores(xlsx([self.row("3.1", "", "85")]), user=self.coordinator)
        Score.objects.update(verification=Score.Verification.VERIFIED, verified_by=self.department_officer)
        report = import_scores(xlsx([self.row("3.1", "", "70")]), user=self.coordinator)
        self.assertEqual(report.counts["updated"], 1)
        score = self.score("3.1")
        self.assertEqual(
            (score.status, score.verification), (Score.Status.NOT_MET, Score.Verification.PENDING)
        )
        self.assertIsNone(score.verified_by)

    def test_a_changed_note_keeps_verification(self):
        import_scores(xlsx([self.row("1.1")]), user=self.coordinator)
        Score.objects.update(verification=Score.Verification.VERIFIED)
        import_scores(xlsx([self.row("1.1", note="Bổ sung biên bản")]), user=self.coordinator)
        self.assertEqual(self.score("1.1").verification, Score.Verification.VERIFIED)

    def test_history_records_the_user_and_reason(self):
        import_scores(xlsx([self.row("1.1")]), user=self.coordinator)
        score = self.score("1.1")
        record = score.history.get()
        self.assertEqual(
            (record.history_user, record.history_change_reason), (self.coordinator, "Nhập từ tệp")
        )
        self.assertEqual(score.entered_by, self.coordinator)
        self.assertIsNotNone(score.entered_at)

    def test_csv_with_bom_and_semicolons_works(self):
        data = csv_file([self.row("3.1", "", "85,5"), self.row("1.1")], delimiter=";")
        report = import_scores(data, user=self.coordinator, format="csv")
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(self.score("3.1").value_number, Decimal("85.5"))

    def test_a_row_without_value_or_result_is_skipped(self):
        report = import_scores(xlsx([self.row("1.1", ""), self.row("1.2")]), user=self.coordinator)
        self.assertEqual(report.counts, {"new": 1, "updated": 0, "unchanged": 0, "skipped": 1})
        self.assertFalse(Score.objects.filter(indicator__code="1.1").exists())

    def test_dry_run_writes_nothing(self):
        report = import_scores(xlsx(self.full_file()), user=self.coordinator, dry_run=True)
        self.assertEqual(report.counts["new"], 57)
        self.assertFalse(Score.objects.exists())

    def test_a_village_set_row_is_stored_on_the_village(self):
        row = self.row("1.1", Bộ_tiêu_chí="TEST-THON-NTM", Mã_thôn="T01")
        self.assertTrue(import_scores(xlsx([row]), user=self.coordinator).ok)
        self.assertEqual(Score.objects.get().village, self.village_a)

    def test_system_import_may_change_any_commune(self):
        report = import_scores(xlsx([self.row("1.1", commune=self.commune_b)]), user=None)
        self.assertTrue(report.ok, report.errors)
        self.assertIsNone(self.score("1.1", self.commune_b).entered_by)


class BadRowTests(ScoresTestCase):
    def assertRefused(self, rows, line, *fragments, user=None):
        """The file is refused with a reason on spreadsheet row `line`, and nothing changes."""
        before = list(Score.objects.order_by("pk").values_list("pk", "version"))
        report = import_scores(xlsx(rows), user=user or self.coordinator)
        self.assertFalse(report.ok)
        messages = [error.message for error in report.errors if error.row == line]
        self.assertTrue(
            any(all(fragment in message for fragment in fragments) for message in messages),
            f"no error on row {line} with {fragments}: {[str(error) for error in report.errors]}",
        )
        self.assertEqual(list(Score.objects.order_by("pk").values_list("pk", "version")), before)
        return report

    def test_values_for_indicators_without_a_target_are_named_before_the_rows_are_refused(self):
        rows = [
            self.row("2.1", "", "90"),
            self.row("2.2", "", "80"),
            self.row("2.1", "", "95", commune=self.commune_b),
        ]
        report = self.assertRefused(rows, 2, "2.1")
        self.assertEqual(
            str(report.errors[0]),
            "Các chỉ tiêu sau chưa có mức đạt chuẩn nên chưa tự tính được Kết quả: "
            "QD318-2022-XA-NTM 2.1 (2 dòng); QD318-2022-XA-NTM 2.2 (1 dòng). Hãy nhập mức đạt chuẩn cho bộ "
            "tiêu chí (trang “Độ đầy đủ” của bộ tiêu chí, hoặc tệp Excel bộ tiêu chí), hoặc ghi Kết quả cho "
            "các dòng đó.",
        )
        self.assertEqual([error.row for error in report.errors[1:]], [2, 3, 4])

    def test_it_rejects_an_unknown_commune_code(self):
        self.assertRefused([self.row("1.1"), self.row("1.2", Mã_xã="99999")], 3, "Mã xã", "99999")

    def test_it_rejects_a_commune_name_that_does_not_match_the_code(self):
        self.assertRefused([self.row("1.1", Xã="Dân Lực")], 2, "Mã xã", "Dân Lý", "Xã “Dân Lực”")

    def test_it_rejects_an_unknown_village_code(self):
        row = self.row("1.1", Bộ_tiêu_chí="TEST-THON-NTM", Mã_thôn="T09")
        self.assertRefused([row], 2, "Mã thôn", "T09", "Dân Lý")

    def test_it_rejects_a_village_for_a_commune_level_set(self):
        self.assertRefused([self.row("1.1", Mã_thôn="T01")], 2, "cấp xã", "để trống Mã thôn")

    def test_it_rejects_a_missing_village_for_a_village_level_set(self):
        self.assertRefused([self.row("1.1", Bộ_tiêu_chí="TEST-THON-NTM")], 2, "cấp thôn", "cần Mã thôn")

    def test_it_rejects_an_unknown_set_code(self):
        self.assertRefused([self.row("1.1", Bộ_tiêu_chí="QD999")], 2, "Bộ tiêu chí", "QD999")

    def test_it_rejects_an_indicator_code_not_in_the_set(self):
        self.assertRefused([self.row("20.1")], 2, "Mã chỉ tiêu", "20.1", SET_CODE)

    def test_it_rejects_a_year_that_is_not_an_integer(self):
        self.assertRefused([self.row("1.1", Năm="2024,5")], 2, "Năm", "2024,5", "số nguyên")

    def test_it_rejects_a_year_out_of_range(self):
        self.assertRefused([self.row("1.1", Năm="1999")], 2, "Năm", "1999", "2010", "2100")

    def test_it_rejects_text_in_the_value_of_a_numeric_indicator(self):
        self.assertRefused([self.row("3.1", "", "khoảng 80")], 2, "Giá trị", "khoảng 80", "phải là số")

    def test_it_rejects_an_unknown_result_word(self):
        self.assertRefused([self.row("1.1", "Tốt")], 2, "Kết quả", "Tốt", "Chưa đạt")

    def test_it_rejects_not_applicable_on_an_indicator_that_is_not_conditional(self):
        self.assertRefused([self.row("1.1", "Không áp dụng")], 2, "Kết quả", "1.1", "“nếu có”")

    def test_it_rejects_a_result_contradicting_the_value_without_a_note(self):
        self.assertRefused([self.row("3.1", "Đạt", "75")], 2, "Ghi chú", "“Chưa đạt”", "lý do")

    def test_it_rejects_the_same_score_twice(self):
        rows = [self.row("1.1"), self.row("1.2"), self.row("1.1", "Chưa đạt")]
        self.assertRefused(rows, 4, "Chỉ tiêu 1.1", "đã có ở dòng 2")

    def test_it_rejects_a_commune_the_user_does_not_coordinate(self):
        self.assertRefused([self.row("1.1")], 2, "Dân Lý", "không được nhập", user=self.official_a)

    def test_an_outsider_coordinator_gets_an_error_for_each_foreign_commune(self):
        other = District.objects.create(code="393", name="Thọ Xuân", province=self.province)
        outsider = self.make_user("dieuphoi_tx", Membership.Role.COORDINATOR, district=other)
        rows = [self.row("1.1"), self.row("1.1", commune=self.commune_b), self.row("1.2")]
        report = self.assertRefused(rows, 2, "Dân Lý", "không được nhập", user=outsider)
        self.assertEqual([error.row for error in report.errors], [2, 3, 4])
        self.assertEqual({error.column for error in report.errors}, {"Mã xã"})

    def test_it_lists_every_bad_row_of_a_file(self):
        rows = [
            self.row("1.1"),
            self.row("1.2", "?"),
            self.row("2.1"),
            self.row("3.1", "", "x"),
            self.row("99"),
        ]
        report = self.assertRefused(rows, 3, "Kết quả")
        self.assertEqual(sorted({error.row for error in report.errors}), [3, 5, 6])
        self.assertEqual(str(report.errors[0]).split(":")[0], "Dòng 3")

    def test_a_bad_row_leaves_stored_scores_as_they_were(self):
        import_scores(xlsx([self.row("1.1")]), user=self.coordinator)
        self.assertRefused([self.row("1.1", "Chưa đạt"), self.row("1.2", "?")], 3, "Kết quả")
        self.assertEqual(self.score("1.1").status, Score.Status.MET)

    def test_it_rejects_a_wrong_header(self):
        header = [*HEADER[:7], "Đánh giá", HEADER[8]]
        report = import_scores(xlsx([self.row("1.1")], header=header), user=self.coordinator)
        self.assertEqual([error.row for error in report.errors], [1])
        self.assertIn("Thiếu cột: Kết quả", report.errors[0].message)
        self.assertFalse(Score.objects.exists())


class ExportTests(ScoresTestCase):
    def setUp(self):
        rows = [self.row("3.1", "", "85,5"), self.row("1.1", note="Đã công bố"), self.row("2.1", "Chưa đạt")]
        rows.append(self.row("1.1", commune=self.commune_b))
        import_scores(xlsx(rows), user=self.coordinator)

    def export(self, **kwargs):
        communes = kwargs.pop("communes", Commune.objects.all())
        return export_scores(criteria_set=self.national, year=YEAR, communes=communes, **kwargs)

    def test_it_writes_the_file_columns_ordered_by_commune_and_indicator(self):
        dataset = self.export()
        self.assertEqual(dataset.headers, HEADER)
        rows = [list(values) for values in dataset]
        self.assertEqual(rows[0], ["15937", "Dân Lực", "", SET_CODE, "1.1", YEAR, "", "Đạt", ""])
        self.assertEqual([row[4] for row in rows[1:]], ["1.1", "2.1", "3.1"])
        self.assertEqual(rows[3][6:], ["85,5", "Đạt", ""])

    def test_it_exports_only_the_communes_asked_for(self):
        dataset = self.export(communes=[self.commune_b])
        self.assertEqual([values[0] for values in dataset], ["15937"])

    def test_export_then_import_changes_nothing(self):
        for file_format in ("xlsx", "csv"):
            with self.subTest(file_format):
                data = render_scores_file(self.export(), format=file_format)
                report = import_scores(data, user=self.coordinator, format=file_format)
                self.assertTrue(report.ok, report.errors)
                self.assertEqual(report.counts, {"new": 0, "updated": 0, "unchanged": 4, "skipped": 0})

    def test_export_as_of_gives_the_values_as_they_were(self):
        import_scores(xlsx([self.row("3.1", "", "95")]), user=self.coordinator)
        first, second = Score.history.filter(indicator__code="3.1").order_by("history_id")
        first_day = timezone.make_aware(datetime.datetime(2024, 1, 10, 9))
        Score.history.filter(history_id=first.history_id).update(history_date=first_day)
        Score.history.filter(history_id=second.history_id).update(history_date=first_day.replace(month=3))
        then = {values[4]: values[6] for values in self.export(as_of=datetime.date(2024, 2, 1))}
        now = {values[4]: values[6] for values in self.export()}
        self.assertEqual((then["3.1"], now["3.1"]), ("85,5", "95"))

    def test_csv_export_starts_with_a_bom_for_excel(self):
        self.assertTrue(render_scores_file(self.export(), format="csv").startswith("\ufeff".encode()))

    def test_export_queries_do_not_grow_with_communes(self):
        # communes, indicators with their criterion, their targets, scores, the set's
        # region rules and amendments
        self.national = CriteriaSet.objects.get(pk=self.national.pk)
        with self.assertNumQueries(6):
            self.assertEqual(len(self.export(communes=Commune.objects.filter(pk=self.commune_b.pk))), 1)
        third = Commune.objects.create(
            code="15940", name="Nưa", province=self.province, district=self.district, region=Region.BTB
        )
        self.assertTrue(import_scores(xlsx(self.full_file(third)), user=self.coordinator).ok)
        self.national = CriteriaSet.objects.get(pk=self.national.pk)
        with self.assertNumQueries(6):
            self.assertEqual(len(self.export()), 4 + 57)
        # as above, with the latest history of each score
        self.national = CriteriaSet.objects.get(pk=self.national.pk)
        with self.assertNumQueries(6):
            self.assertEqual(len(self.export(as_of=timezone.localdate())), 4 + 57)


class TemplateTests(ScoresTestCase):
    def template(self, **kwargs):
        return score_template(commune=self.commune_a, criteria_set=self.national, year=YEAR, **kwargs)

    def test_it_has_one_row_per_indicator_for_the_commune(self):
        dataset = self.template()
        self.assertEqual(len(dataset), 57)
        self.assertEqual({values[0] for values in dataset}, {"15934"})
        self.assertEqual([values[4] for values in dataset], self.codes)

    def test_an_unfilled_template_imports_with_every_row_skipped(self):
        report = import_scores(render_scores_file(self.template()), user=self.coordinator)
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(report.counts, {"new": 0, "updated": 0, "unchanged": 0, "skipped": 57})
        self.assertFalse(Score.objects.exists())

    def test_it_shows_the_current_value_result_and_note(self):
        import_scores(xlsx([self.row("3.1", "", "85,5", "Theo báo cáo quý 2")]), user=self.coordinator)
        row = next(values for values in self.template() if values[4] == "3.1")
        self.assertEqual(list(row[6:]), ["85,5", "Đạt", "Theo báo cáo quý 2"])

    def test_a_village_set_needs_a_village(self):
        with self.assertRaises(ValueError):
            score_template(commune=self.commune_a, criteria_set=self.village_set, year=YEAR)
        dataset = score_template(
            commune=self.commune_a, criteria_set=self.village_set, year=YEAR, village=self.village_a
        )
        self.assertEqual(list(dataset[0][:5]), ["15934", "Dân Lý", "T01", "TEST-THON-NTM", "1.1"])


class QueryCountTests(ScoresTestCase):
    def preview(self, rows):
        user = get_user_model().objects.get(pk=self.coordinator.pk)  # no cached access
        data = xlsx(rows)
        # communes, villages, sets, indicators with their criterion, targets, the sets'
        # region rules and amendments, memberships; savepoint, the stored scores of the
        # batch, rollback to and release of the savepoint
        with self.assertNumQueries(12):
            report = import_scores(data, user=user, dry_run=True)
        return report

    def test_an_import_adds_only_the_writes_of_changed_rows(self):
        # the preview's lookups and savepoint, then one insert of the new scores (one
        # executemany), the read of their keys, one insert of their history, and the
        # release; an unchanged row costs nothing.
        for rows in (self.full_file(), self.full_file() + self.full_file(self.commune_b)):
            user = get_user_model().objects.get(pk=self.coordinator.pk)
            data = xlsx(rows)
            with self.assertNumQueries(14):
                self.assertEqual(import_scores(data, user=user).counts["new"], 57)

    def test_import_lookups_do_not_grow_with_rows(self):
        self.assertEqual(self.preview(self.full_file()).counts["new"], 57)
        import_scores(xlsx(self.full_file()), user=self.coordinator)
        report = self.preview(self.full_file() + self.full_file(self.commune_b))
        self.assertEqual((report.counts["unchanged"], report.counts["new"]), (57, 57))


class CommandTests(ScoresTestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)

    def write(self, name, data):
        path = Path(self.directory.name) / name
        path.write_bytes(data)
        return str(path)

    def test_it_imports_and_prints_counts(self):
        out = io.StringIO()
        call_command("import_scores", self.write("ket-qua.xlsx", xlsx(self.full_file())), stdout=out)
        self.assertIn("Kết quả chỉ tiêu: 57 mới", out.getvalue())
        self.assertEqual(Score.objects.count(), 57)
        self.assertEqual(Score.history.first().history_change_reason, "Nhập từ tệp")

    def test_it_exits_non_zero_and_prints_the_bad_rows(self):
        path = self.write("ket-qua.xlsx", xlsx([*self.full_file(), self.row("99"), self.row("1.1", "Tốt")]))
        err = io.StringIO()
        with self.assertRaisesMessage(CommandError, "không ghi gì"):
            call_command("import_scores", path, stdout=io.StringIO(), stderr=err)
        lines = err.getvalue().splitlines()
        self.assertTrue(lines[0].startswith("Dòng 59: Mã chỉ tiêu “99” không có"), lines)
        self.assertTrue(lines[-1].startswith("Dòng 60: Kết quả “Tốt” không hợp lệ"), lines)
        self.assertFalse(Score.objects.exists())

    def test_dry_run_writes_nothing(self):
        out = io.StringIO()
        call_command(
            "import_scores", self.write("ket-qua.csv", csv_file(self.full_file())), "--dry-run", stdout=out
        )
        self.assertIn("Xem trước", out.getvalue())
        self.assertIn("57 mới", out.getvalue())
        self.assertFalse(Score.objects.exists())

    def test_it_imports_as_the_given_user(self):
        path = self.write("ket-qua.xlsx", xlsx([self.row("1.1")]))
        call_command("import_scores", path, "--user", "dieuphoi", stdout=io.StringIO())
        self.assertEqual(self.score("1.1").entered_by, self.coordinator)
        with self.assertRaises(CommandError):
            call_command("import_scores", path, "--user", "xa_b", stdout=io.StringIO(), stderr=io.StringIO())

    def test_export_command_writes_a_file_that_reimports_unchanged(self):
        import_scores(xlsx(self.full_file()), user=self.coordinator)
        path = Path(self.directory.name) / "ket-qua.xlsx"
        args = ["--set", SET_CODE, "--year", str(YEAR), "--commune", "15934", "-o", str(path)]
        call_command("export_scores", *args, stdout=io.StringIO())
        report = import_scores(path, user=self.coordinator, dry_run=True)
        self.assertEqual(report.counts["unchanged"], 57)

    def test_export_command_rejects_an_unknown_commune(self):
        with self.assertRaisesMessage(CommandError, "99999"):
            call_command(
                "export_scores", "--set", SET_CODE, "--year", "2024", "--commune", "99999", "-o", "x.csv"
            )


class AdminTests(ScoresTestCase):
    def setUp(self):
        self.client.force_login(self.admin)

    def upload(self, data, name="ket-qua.xlsx", file_format="1"):
        # Import formats, in the admin's order: 0 = csv, 1 = xlsx.
        upload = SimpleUploadedFile(name, data)
        url = reverse("admin:criteria_score_import")
        return self.client.post(url, {"resource": "0", "format": file_format, "import_file": upload})

    def test_import_page_shows_a_preview_with_the_commune_name(self):
        response = self.upload(xlsx([self.row("3.1", "", "85,5")]))
        self.assertIn("confirm_form", response.context)
        self.assertContains(response, "Dân Lý")
        self.assertContains(response, "85,5")
        self.assertFalse(Score.objects.exists())

    def test_confirming_the_preview_imports_the_file(self):
        response = self.upload(csv_file([self.row("1.1"), self.row("1.2")]), "ket-qua.csv", "0")
        confirm = response.context["confirm_form"].initial
        response = self.client.post(reverse("admin:criteria_score_process_import"), confirm, follow=True)
        self.assertContains(response, "Đã nhập tệp kết quả chỉ tiêu.")
        self.assertEqual(self.score("1.2").entered_by, self.admin)

    def test_confirming_twice_imports_once_and_says_so(self):
        confirm = self.upload(csv_file([self.row("1.1")]), "ket-qua.csv", "0").context["confirm_form"].initial
        self.client.post(reverse("admin:criteria_score_process_import"), confirm)
        response = self.client.post(reverse("admin:criteria_score_process_import"), confirm, follow=True)
        self.assertContains(response, "Phiên xem trước đã hết hạn hoặc đã được nhập")
        self.assertEqual(Score.history.count(), 1)

    def test_import_page_lists_bad_rows_with_their_spreadsheet_row(self):
        response = self.upload(xlsx([self.row("1.1"), self.row("1.2", "Tốt")]))
        self.assertNotIn("confirm_form", response.context)
        self.assertEqual([row.number for row in response.context["result"].invalid_rows], [3])
        self.assertContains(response, "Kết quả “Tốt” không hợp lệ")

    def test_export_gives_the_scores_file(self):
        import_scores(xlsx([self.row("3.1", "", "85,5")]), user=None)
        response = self.client.post(reverse("admin:criteria_score_export"), {"resource": "0", "format": "0"})
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = [list(values) for values in sheet.iter_rows(values_only=True)]
        self.assertEqual(
            rows, [HEADER, ["15934", "Dân Lý", None, SET_CODE, "3.1", YEAR, "85,5", "Đạt", None]]
        )

    def test_score_list_shows_scores(self):
        import_scores(xlsx([self.row("13.2", "Chưa đạt")]), user=None)
        response = self.client.get(reverse("admin:criteria_score_changelist"))
        self.assertContains(response, "13.2")
        self.assertContains(response, "Dân Lý")

    def test_registrations_and_recognitions_have_history_pages(self):
        registration = Registration.objects.create(
            commune=self.commune_a, criteria_set=self.national, target_year=2025, registered_on="2024-01-15"
        )
        recognition = Recognition.objects.create(
            commune=self.commune_a,
            criteria_set=self.national,
            decision_number="12/QĐ-UBND",
            decided_on="2024-12-20",
        )
        for name, obj in (("registration", registration), ("recognition", recognition)):
            with self.subTest(name):
                response = self.client.get(reverse(f"admin:criteria_{name}_history", args=[obj.pk]))
                self.assertContains(response, "Dân Lý")

    def test_score_history_page_shows_the_import(self):
        import_scores(xlsx([self.row("1.1")]), user=self.coordinator)
        response = self.client.get(reverse("admin:criteria_score_history", args=[self.score("1.1").pk]))
        self.assertContains(response, "Nhập từ tệp")
