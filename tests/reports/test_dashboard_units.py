"""What the units and the set's criteria say is part of the dashboard's data version: a
commune's class, region or group decides which targets judge it, a retired indicator is
no longer counted, a merger ends communes. A change through a page, the units file or a
merger shows at once, not after the cache expires."""

import datetime

from communes.models import Commune, Region
from communes.resources import COLUMNS, import_units
from communes.services import merge_communes
from reports.grid import data_version
from tests.communes.test_import_units import CLASSES_HEADER, xlsx
from tests.reports.test_dashboard_set_rules import ExtremelyDifficultCommuneTestCase


class UnitsVersionTests(ExtremelyDifficultCommuneTestCase):
    def criteria_met(self, response):
        return {row.commune.code: row.standing.criteria_met for row in response.context["grid"].rows}

    def warm(self):
        """A's 19 criteria met as ĐBKK, from the drawn grid and then from the cache."""
        self.assertEqual(self.criteria_met(self.fetch()), {"15934": 19, "15937": 19})
        self.assertEqual(self.criteria_met(self.fetch()), {"15934": 19, "15937": 19})

    def test_a_commune_that_loses_its_class_is_judged_by_its_regions_target_at_once(self):
        self.warm()
        self.commune_a.classes = []
        self.commune_a.save()
        response = self.fetch()
        self.assertEqual(self.criteria_met(response), {"15934": 18, "15937": 19})
        self.assertContains(response, "18/19")

    def test_a_class_changed_by_the_units_file_shows_at_once(self):
        self.warm()
        row = ["38", "Thanh Hóa", "392", "Triệu Sơn", "15934", "Dân Lý", "Xã", "BTB", "", "", "", ""]
        self.assertEqual(len(row), len(CLASSES_HEADER))
        report = import_units(xlsx([row], header=CLASSES_HEADER))
        self.assertEqual(report.counts["commune"]["updated"], 1, report)
        self.assertEqual(Commune.objects.get(code="15934").classes, [])
        self.assertEqual(self.criteria_met(self.fetch()), {"15934": 18, "15937": 19})

    def test_a_commune_moved_to_another_region_is_judged_by_its_target_at_once(self):
        self.warm()
        # Without its class, a commune of the Northern midlands meets the set's 80%.
        self.commune_a.classes = []
        self.commune_a.region = Region.TDMNPB
        self.commune_a.save()
        self.assertEqual(self.criteria_met(self.fetch()), {"15934": 19, "15937": 19})
        self.commune_a.region = Region.BTB
        self.commune_a.save()
        self.assertEqual(self.criteria_met(self.fetch()), {"15934": 18, "15937": 19})

    def test_a_retired_indicator_is_no_longer_counted_at_once(self):
        self.commune_a.classes = []
        self.commune_a.save()
        self.assertEqual(self.criteria_met(self.fetch()), {"15934": 18, "15937": 19})
        self.assertEqual(self.criteria_met(self.fetch()), {"15934": 18, "15937": 19})
        indicator = self.indicators["3.1"]
        indicator.retired = True
        indicator.save()
        self.assertEqual(self.criteria_met(self.fetch()), {"15934": 19, "15937": 19})

    def test_a_renamed_commune_shows_its_new_name_at_once(self):
        self.assertContains(self.fetch(), "Dân Lý")
        self.commune_a.name = "Dân Lý Mới"
        self.commune_a.save()
        self.assertContains(self.fetch(), "Dân Lý Mới")

    def test_a_merger_is_a_new_version_and_its_unit_changes_have_history(self):
        before = data_version()
        merged = merge_communes(
            into_code="15999", from_codes=["15934", "15937"], on=datetime.date(2025, 7, 1), name="Dân Lý Mới"
        )
        self.assertNotEqual(data_version(), before)
        self.assertEqual(merged.history.count(), 1)
        ended = Commune.objects.get(code="15934")
        self.assertEqual(ended.valid_to, datetime.date(2025, 6, 30))
        self.assertEqual(ended.history.latest().valid_to, datetime.date(2025, 6, 30))
        self.assertEqual(ended.history.latest().history_type, "~")

    def test_the_units_file_writes_history_with_its_importer(self):
        new = ["38", "Thanh Hóa", "", "", "16000", "Hải Tiến", "Phường", "BTB", "", "", ""]
        self.assertEqual(len(new), len(COLUMNS))
        report = import_units(xlsx([new]), user=self.coordinator)
        self.assertEqual(report.counts["commune"]["new"], 1, report)
        (record,) = Commune.objects.get(code="16000").history.all()
        self.assertEqual(
            (record.history_type, record.history_user, record.name), ("+", self.coordinator, "Hải Tiến")
        )
