import copy
import datetime
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, TestCase

from communes.models import Commune, Province, Region
from criteria.loader import (
    CriteriaFileError,
    has_related_rows,
    indicator_has_data,
    load_criteria_set,
    read_criteria_file,
)
from criteria.models import CriteriaSet, Criterion, Indicator, IndicatorTarget, Score, resolve_target
from dossiers.models import Dossier, DossierItem
from meetings.models import Task

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "criteria"


def shipped(code):
    return read_criteria_file(FIXTURES / f"{code.lower()}.yaml")


def small_set():
    """A two-criterion set, small enough to change by hand in a test."""
    return {
        "code": "TEST-XA",
        "name": "Bộ tiêu chí thử",
        "level": "commune",
        "target_dimension": "region",
        "criteria": [
            {
                "number": 1,
                "name": "Quy hoạch",
                "indicators": [{"code": "1.1", "text": "Có quy hoạch", "targets": [{"value": "Đạt"}]}],
            },
            {
                "number": 2,
                "name": "Giao thông",
                "indicators": [
                    {
                        "code": "2.1",
                        "text": "Đường xã",
                        "kind": "numeric_min",
                        "unit": "%",
                        "targets": [{"value": "100%"}],
                    },
                    {
                        "code": "2.2",
                        "text": "Đường thôn",
                        "kind": "numeric_min",
                        "unit": "%",
                        "targets": [{"value": "≥70%"}, {"region": "DBSCL", "value": "≥50%"}],
                    },
                ],
            },
        ],
    }


def indicator(code, set_code="TEST-XA"):
    return Indicator.objects.get(criterion__criteria_set__code=set_code, code=code)


def database_rows():
    return (
        list(CriteriaSet.objects.values_list("pk", "code", "name")),
        list(Criterion.objects.values_list("pk", "number", "name")),
        list(Indicator.objects.values_list("pk", "code", "text", "kind")),
        list(IndicatorTarget.objects.values_list("pk", "value")),
    )


class ShippedFilesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.results = {
            path.name: load_criteria_set(data=read_criteria_file(path))
            for path in sorted(FIXTURES.glob("*.yaml"))
        }

    def test_qd318_gives_19_criteria_and_57_indicators(self):
        criteria_set = CriteriaSet.objects.get(code="QD318-2022-XA-NTM")
        self.assertEqual(criteria_set.criteria.count(), 19)
        self.assertEqual(Indicator.objects.filter(criterion__criteria_set=criteria_set).count(), 57)

    def test_qd1980_gives_19_criteria_and_49_indicators(self):
        criteria_set = CriteriaSet.objects.get(code="QD1980-2016-XA-NTM")
        self.assertEqual(criteria_set.criteria.count(), 19)
        self.assertEqual(Indicator.objects.filter(criterion__criteria_set=criteria_set).count(), 49)

    def test_every_shipped_file_loads_under_its_own_code(self):
        self.assertEqual(len(self.results), 6)
        for name, result in self.results.items():
            self.assertEqual(name, f"{result.criteria_set.code.lower()}.yaml")
            self.assertTrue(result.set_created)
            self.assertEqual(result.criteria_count, len(shipped(result.criteria_set.code)["criteria"]))

    def test_no_shipped_set_claims_to_be_verified(self):
        self.assertFalse(CriteriaSet.objects.filter(verified=True).exists())

    def test_unverified_flags_survive_loading(self):
        self.assertFalse(indicator("8.1", "QD318-2022-XA-NTM").unverified)
        self.assertTrue(indicator("1.1", "QD318-2022-XA-NTM").unverified)
        self.assertTrue(indicator("3.1", "QD318-2022-XA-NTM").unverified)
        self.assertFalse(indicator("13.2", "QD318-2022-XA-NTMNC").unverified)
        self.assertTrue(Criterion.objects.get(criteria_set__code="QD318-2022-XA-NTMNC", number=1).unverified)
        self.assertFalse(Criterion.objects.get(criteria_set__code="QD318-2022-XA-NTMNC", number=5).unverified)

    def test_targets_by_region_are_stored_with_their_threshold(self):
        target = indicator("10", "QD1980-2016-XA-NTM").targets.get(region=Region.DBSCL)
        self.assertEqual(target.value, "≥50")
        self.assertEqual(target.threshold, Decimal("50"))

    def test_kinds_units_and_conditional_come_from_the_file(self):
        self.assertEqual(indicator("15.3", "QD318-2022-XA-NTM").kind, Indicator.Kind.NUMERIC_MAX)
        self.assertEqual(indicator("17.4", "QD318-2022-XA-NTM").unit, "m²/người")
        self.assertTrue(indicator("13.4", "QD318-2022-XA-NTM").conditional)
        self.assertEqual(indicator("9.1", "QD1980-2016-XA-NTM").targets.get().value, "Không")

    def test_qd51_varies_by_commune_group(self):
        criteria_set = CriteriaSet.objects.get(code="QD51-2025-XA-NTM")
        self.assertEqual(criteria_set.target_dimension, CriteriaSet.TargetDimension.COMMUNE_GROUP)
        self.assertEqual((criteria_set.criteria.count(), criteria_set.expected_indicators), (10, 47))
        self.assertEqual(criteria_set.effective_on, datetime.date(2026, 2, 15))


class ShippedProvenanceTests(TestCase):
    """What the shipped sets say comes from a recorded source, or is marked unchecked."""

    @classmethod
    def setUpTestData(cls):
        for path in sorted(FIXTURES.glob("*.yaml")):
            load_criteria_set(data=read_criteria_file(path))

    def test_every_target_has_a_source(self):
        self.assertFalse(IndicatorTarget.objects.filter(source="").exists())

    def test_a_checked_text_has_a_source(self):
        self.assertFalse(Indicator.objects.filter(unverified=False, source="").exists())
        self.assertFalse(Criterion.objects.filter(unverified=False, source="").exists())

    def test_qd318_ships_no_target_without_a_source(self):
        targets = IndicatorTarget.objects.filter(indicator__criterion__criteria_set__code="QD318-2022-XA-NTM")
        self.assertEqual(sorted(set(targets.values_list("indicator__code", flat=True))), ["14.1", "5", "6.3"])
        self.assertIsNone(indicator("2.2", "QD318-2022-XA-NTM").targets.first())

    def test_qd318_keeps_the_verified_wording(self):
        self.assertEqual(indicator("8.2", "QD318-2022-XA-NTM").text, "Xã có dịch vụ viễn thông, internet")
        self.assertIn("sotttt.thainguyen.gov.vn", indicator("8.2", "QD318-2022-XA-NTM").source)

    def test_qd318_carries_the_2024_amendments_and_region_rules(self):
        criteria_set = CriteriaSet.objects.get(code="QD318-2022-XA-NTM")
        amended = criteria_set.amendments.order_by("indicator__code")
        self.assertEqual([a.indicator.code for a in amended], ["13.1", "15.4", "17.1", "18.5"])
        self.assertEqual({a.effective_on for a in amended}, {datetime.date(2024, 3, 1)})
        self.assertEqual(amended.get(indicator__code="15.4").kind, Indicator.Kind.YES_NO)
        classes_2024 = criteria_set.region_rules.filter(from_date=datetime.date(2024, 3, 1))
        self.assertEqual(set(classes_2024.values_list("region", flat=True)), {"TDMNPB"})
        self.assertEqual(
            set(classes_2024.values_list("commune_class", flat=True)),
            {"kv2", "kv3", "bai_ngang", "hai_dao", "atk"},
        )
        self.assertIn("arit.gov.vn", classes_2024.first().source)

    def test_qd1980_carries_the_4_2_and_criterion_5_corrections(self):
        electricity = indicator("4.2", "QD1980-2016-XA-NTM")
        self.assertEqual(electricity.text, "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn từ các nguồn")
        self.assertEqual(electricity.targets.get().value, "≥98%")
        schools = indicator("5", "QD1980-2016-XA-NTM")
        self.assertTrue(schools.text.startswith("Tỷ lệ trường học các cấp: mầm non, mẫu giáo"))
        self.assertEqual(schools.targets.get(region=Region.DBSCL).value, "≥70%")

    def test_the_model_set_has_its_four_conditions(self):
        criteria_set = CriteriaSet.objects.get(code="QD319-2022-XA-NTMKM")
        self.assertEqual(criteria_set.tier, CriteriaSet.Tier.MODEL)
        texts = list(
            Indicator.objects.filter(criterion__criteria_set=criteria_set).values_list("text", flat=True)
        )
        self.assertEqual(len(texts), 4)
        self.assertIn("thôn thông minh", texts[2])

    def test_commune_sets_apply_to_communes_only(self):
        self.assertEqual(CriteriaSet.objects.get(code="QD318-2022-XA-NTM").applies_to, ["xa"])
        self.assertEqual(CriteriaSet.objects.get(code="QD320-2022-HUYEN-NTM").applies_to, [])


class LoadingAgainTests(TestCase):
    def test_loading_twice_changes_nothing(self):
        data = shipped("QD318-2022-XA-NTM")
        load_criteria_set(data=data)
        before = database_rows()
        result = load_criteria_set(data=data)
        self.assertFalse(result.changed)
        self.assertEqual((result.created, result.updated, result.deleted, result.kept), (0, 0, 0, []))
        self.assertEqual(database_rows(), before)

    def test_a_changed_text_updates_in_place(self):
        load_criteria_set(data=small_set())
        pk = indicator("2.1").pk
        data = small_set()
        data["criteria"][1]["indicators"][0]["text"] = "Đường xã được nhựa hóa"
        result = load_criteria_set(data=data)
        self.assertEqual(result.updated, 1)
        self.assertEqual((indicator("2.1").pk, indicator("2.1").text), (pk, "Đường xã được nhựa hóa"))

    def test_changed_targets_replace_the_old_ones(self):
        load_criteria_set(data=small_set())
        data = small_set()
        data["criteria"][1]["indicators"][1]["targets"] = [{"region": "BTB", "value": "≥60%"}]
        load_criteria_set(data=data)
        self.assertEqual(list(indicator("2.2").targets.values_list("region", "value")), [("BTB", "≥60%")])

    def test_a_removed_indicator_without_data_is_deleted(self):
        load_criteria_set(data=small_set())
        data = small_set()
        del data["criteria"][1]["indicators"][1]
        result = load_criteria_set(data=data)
        self.assertEqual(result.deleted, 1)
        self.assertFalse(Indicator.objects.filter(code="2.2").exists())

    def test_a_removed_criterion_without_data_is_deleted(self):
        load_criteria_set(data=small_set())
        data = small_set()
        del data["criteria"][0]
        result = load_criteria_set(data=data)
        self.assertEqual(result.deleted, 2)  # criterion 1 and its indicator 1.1
        self.assertEqual(list(Criterion.objects.values_list("number", flat=True)), [2])

    def test_an_issuer_province_is_created_once_and_never_renamed(self):
        Province.objects.create(code="38", name="Thanh Hóa")
        data = {**small_set(), "issuer": {"code": "38", "name": "Tên khác"}}
        load_criteria_set(data=data)
        issuer = CriteriaSet.objects.get(code="TEST-XA").issuer
        self.assertEqual((issuer.code, issuer.name, Province.objects.count()), ("38", "Thanh Hóa", 1))


class HasDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_criteria_set(data=small_set())

    def test_targets_do_not_count_as_data(self):
        self.assertTrue(indicator("2.2").targets.exists())
        self.assertFalse(indicator_has_data(indicator("2.2")))

    def test_any_row_pointing_at_the_object_counts_unless_ignored(self):
        self.assertTrue(has_related_rows(indicator("2.2")))
        self.assertFalse(has_related_rows(indicator("2.2"), ignore=(IndicatorTarget,)))


class KeepingDataTests(TestCase):
    """A changed file never deletes what rows point at: it keeps it, retired, and says so."""

    @classmethod
    def setUpTestData(cls):
        load_criteria_set(data=small_set())
        province = Province.objects.create(code="38", name="Thanh Hóa")
        cls.commune = Commune.objects.create(code="15934", name="Dân Lý", province=province)
        cls.criteria_set = CriteriaSet.objects.get(code="TEST-XA")

    def test_an_indicator_with_scores_is_kept_and_reported(self):
        Score.objects.create(indicator=indicator("2.2"), commune=self.commune, year=2024, status="met")
        data = small_set()
        del data["criteria"][1]["indicators"][1]
        result = load_criteria_set(data=data)
        self.assertEqual(result.kept, ["Tiêu chí 2, chỉ tiêu 2.2"])
        self.assertTrue(indicator("2.2").retired)
        self.assertEqual(result.indicator_count, 2)

    def test_a_criterion_with_dossier_items_is_kept_and_reported(self):
        dossier = Dossier.objects.create(commune=self.commune, criteria_set=self.criteria_set, year=2024)
        DossierItem.objects.create(dossier=dossier, criterion=self.criteria_set.criteria.get(number=1))
        data = small_set()
        del data["criteria"][0]
        result = load_criteria_set(data=data)
        self.assertEqual(result.kept, ["Tiêu chí 1"])
        self.assertTrue(self.criteria_set.criteria.get(number=1).retired)
        self.assertEqual(result.criteria_count, 1)

    def test_an_indicator_a_task_is_about_is_kept(self):
        # A task points at its indicator through a hidden relation (related_name="+").
        Task.objects.create(
            province=self.commune.province,
            title="Cứng hóa đường thôn",
            owner_commune=self.commune,
            deadline=datetime.date(2024, 6, 30),
            indicator=indicator("2.2"),
            created_by=get_user_model().objects.create_user("dieuphoi"),
        )
        data = small_set()
        del data["criteria"][1]["indicators"][1]
        self.assertEqual(load_criteria_set(data=data).kept, ["Tiêu chí 2, chỉ tiêu 2.2"])

    def test_a_kept_item_back_in_the_file_is_current_again(self):
        Score.objects.create(indicator=indicator("2.2"), commune=self.commune, year=2024, status="met")
        data = small_set()
        del data["criteria"][1]["indicators"][1]
        load_criteria_set(data=data)
        load_criteria_set(data=small_set())
        self.assertFalse(indicator("2.2").retired)


class BadDataTests(TestCase):
    def assertRejected(self, data, message):
        with self.assertRaises(CriteriaFileError) as caught:
            load_criteria_set(data=data)
        self.assertIn(message, str(caught.exception))

    def test_a_bad_kind_names_its_place_and_writes_nothing(self):
        data = small_set()
        data["criteria"][1]["indicators"][0]["kind"] = "abc"
        self.assertRejected(data, "Tiêu chí 2, chỉ tiêu 2.1: loại 'abc' không hợp lệ")
        self.assertFalse(CriteriaSet.objects.exists())

    def test_a_duplicate_indicator_code_is_rejected(self):
        data = small_set()
        data["criteria"][1]["indicators"][1]["code"] = "1.1"
        self.assertRejected(data, "Tiêu chí 2, chỉ tiêu 1.1: mã chỉ tiêu bị trùng (đã có ở tiêu chí 1)")
        self.assertFalse(Indicator.objects.exists())

    def test_an_unknown_region_is_rejected(self):
        data = small_set()
        data["criteria"][1]["indicators"][1]["targets"][1]["region"] = "MIENTAY"
        self.assertRejected(
            data, "Tiêu chí 2, chỉ tiêu 2.2, mức đạt chuẩn thứ 2: vùng 'MIENTAY' không hợp lệ"
        )
        self.assertFalse(CriteriaSet.objects.exists())

    def test_a_bad_file_leaves_the_loaded_set_unchanged(self):
        load_criteria_set(data=small_set())
        before = database_rows()
        data = small_set()
        data["criteria"][0]["name"] = "Tên mới"
        data["criteria"][1]["indicators"][0]["kind"] = "abc"
        self.assertRejected(data, "loại 'abc'")
        self.assertEqual(database_rows(), before)

    def test_an_error_found_while_writing_rolls_everything_back(self):
        self.assertRejected(
            {**small_set(), "parent": "KHONG-CO"}, "không tìm thấy bộ tiêu chí gốc 'KHONG-CO'"
        )
        self.assertFalse(CriteriaSet.objects.exists())

    def test_a_region_target_needs_a_set_by_region(self):
        data = {**small_set(), "target_dimension": "none"}
        self.assertRejected(data, "Tiêu chí 2, chỉ tiêu 2.2, mức đạt chuẩn thứ 2: bộ tiêu chí không chia")


class ReadFileTests(SimpleTestCase):
    def read(self, text):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bo.yaml"
            path.write_text(text, encoding="utf-8")
            return read_criteria_file(path)

    def test_an_unquoted_code_is_rejected(self):
        text = yaml.safe_dump(small_set(), allow_unicode=True).replace("code: '2.1'", "code: 2.10")
        with self.assertRaisesMessage(CriteriaFileError, "phải đặt trong ngoặc kép"):
            self.read(text)

    def test_a_yaml_syntax_error_names_the_file_and_line(self):
        with self.assertRaises(CriteriaFileError) as caught:
            self.read("code: X\ncriteria: [\n")
        self.assertIn("bo.yaml không hợp lệ", str(caught.exception))
        self.assertIn("dòng 3", str(caught.exception))

    def test_it_fills_in_defaults(self):
        data = self.read(yaml.safe_dump(small_set(), allow_unicode=True))
        first = data["criteria"][0]["indicators"][0]
        self.assertEqual((data["tier"], first["kind"], first["conditional"]), ("standard", "yes_no", False))


class LoadCriteriaCommandTests(TestCase):
    def run_command(self, *args):
        out = StringIO()
        call_command("load_criteria", *args, stdout=out)
        return out.getvalue()

    def write(self, folder, name, data):
        path = Path(folder) / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return str(path)

    def test_it_loads_every_shipped_file(self):
        output = self.run_command("--all")
        self.assertIn("QD318-2022-XA-NTM (qd318-2022-xa-ntm.yaml): 19 tiêu chí, 57 chỉ tiêu", output)
        self.assertIn("QD1980-2016-XA-NTM (qd1980-2016-xa-ntm.yaml): 19 tiêu chí, 49 chỉ tiêu", output)
        self.assertEqual(CriteriaSet.objects.count(), 6)

    def test_it_reports_no_change_the_second_time(self):
        self.run_command("--all")
        output = self.run_command("--all")
        self.assertEqual(output.count("tạo mới 0, cập nhật 0, xóa 0, giữ lại 0"), 6)

    def test_it_exits_non_zero_on_a_bad_file_and_writes_nothing(self):
        bad = small_set()
        bad["criteria"][1]["indicators"][0]["kind"] = "abc"
        with tempfile.TemporaryDirectory() as folder:
            good_path = self.write(folder, "good.yaml", {**copy.deepcopy(small_set()), "code": "TEST-2"})
            bad_path = self.write(folder, "bad.yaml", bad)
            with self.assertRaises(CommandError) as caught:
                self.run_command(good_path, bad_path)
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn("Tiêu chí 2, chỉ tiêu 2.1: loại 'abc' không hợp lệ", str(caught.exception))
        self.assertFalse(CriteriaSet.objects.exists())

    def test_it_requires_a_file(self):
        with self.assertRaisesMessage(CommandError, "--all"):
            self.run_command()


class ResolveTargetTests(SimpleTestCase):
    general = IndicatorTarget(value="≥45")
    delta = IndicatorTarget(region=Region.DBSCL, value="≥50")
    year_2024 = IndicatorTarget(from_year=2024, to_year=2024, value="≥55")
    from_2024 = IndicatorTarget(from_year=2024, value="≥52")

    def test_a_region_target_beats_the_general_one(self):
        self.assertIs(resolve_target([self.general, self.delta], region=Region.DBSCL), self.delta)

    def test_another_region_gets_the_general_target(self):
        self.assertIs(resolve_target([self.general, self.delta], region=Region.BTB), self.general)

    def test_a_year_target_beats_the_general_one_in_its_year_only(self):
        targets = [self.general, self.year_2024]
        self.assertIs(resolve_target(targets, year=2024), self.year_2024)
        self.assertIs(resolve_target(targets, year=2023), self.general)

    def test_a_year_target_beats_a_region_target(self):
        targets = [self.general, self.delta, self.year_2024]
        self.assertIs(resolve_target(targets, region=Region.DBSCL, year=2024), self.year_2024)

    def test_an_open_range_covers_the_years_after_it(self):
        targets = [self.general, self.from_2024]
        self.assertIs(resolve_target(targets, year=2026), self.from_2024)
        self.assertIs(resolve_target(targets, year=2023), self.general)

    def test_the_narrower_range_wins(self):
        targets = [self.from_2024, self.year_2024]
        self.assertIs(resolve_target(targets, year=2024), self.year_2024)
        self.assertIs(resolve_target(targets, year=2025), self.from_2024)


class YearRangeFileTests(TestCase):
    def test_a_target_for_one_year_is_a_range_of_that_year(self):
        data = small_set()
        data["criteria"][1]["indicators"][0]["targets"] = [{"value": "≥90%"}, {"year": 2024, "value": "100%"}]
        load_criteria_set(data=data)
        target = indicator("2.1").targets.get(value="100%")
        self.assertEqual((target.from_year, target.to_year), (2024, 2024))

    def test_overlapping_ranges_are_rejected(self):
        data = small_set()
        data["criteria"][1]["indicators"][0]["targets"] = [
            {"from_year": 2022, "to_year": 2024, "value": "≥90%"},
            {"from_year": 2024, "value": "100%"},
        ]
        with self.assertRaisesMessage(CriteriaFileError, "trùng mức đạt chuẩn cho cùng vùng, nhóm xã và năm"):
            load_criteria_set(data=data)

    def test_an_amendment_before_the_set_is_rejected(self):
        data = {**small_set(), "issued_on": "2022-03-08"}
        data["amendments"] = [
            {"indicator": "1.1", "decision": "1/QĐ", "effective_on": "2021-01-01", "text": "Nội dung mới"}
        ]
        with self.assertRaisesMessage(CriteriaFileError, "trước ngày ban hành bộ tiêu chí (08/03/2022)"):
            load_criteria_set(data=data)


class LoadedTargetTests(TestCase):
    def test_a_loaded_indicator_applies_its_region_target(self):
        load_criteria_set(data=shipped("QD1980-2016-XA-NTM"))
        targets = indicator("10", "QD1980-2016-XA-NTM").targets.all()
        self.assertEqual(resolve_target(targets, region=Region.DBSCL).value, "≥50")
        self.assertEqual(resolve_target(targets, region=Region.BTB).value, "≥36")
