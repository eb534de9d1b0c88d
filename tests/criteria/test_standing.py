import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from communes.models import Commune, CommuneClass, CommuneGroup, Region, Village
from criteria.models import (
    CriteriaSet,
    Criterion,
    Indicator,
    IndicatorTarget,
    Recognition,
    Registration,
    Score,
)
from criteria.standing import DistrictSummary, commune_rows, commune_standings, village_standings
from tests.base import AssessmentTestCase, load_shipped_set

YEAR = 2024
Status = Score.Status


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of `day` in the office's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class TargetResolutionTests(AssessmentTestCase):
    """Indicator 2.2 ships without targets, so each test gives it its own."""

    def setUp(self):
        self.road = self.indicators["2.2"]

    def target(self, value, **scope):
        return IndicatorTarget.objects.create(indicator=self.road, value=value, **scope)

    def score(self, commune, year=YEAR):
        return Score(indicator=self.road, commune=commune, year=year)

    def test_a_target_for_the_year_beats_the_general_one(self):
        self.target("≥70%")
        self.target("≥75%", from_year=YEAR, to_year=YEAR)
        self.assertEqual(self.score(self.commune_a).applicable_target().value, "≥75%")

    def test_a_target_for_another_year_does_not_apply(self):
        self.target("≥70%")
        self.target("≥75%", from_year=YEAR + 1, to_year=YEAR + 1)
        self.assertEqual(self.score(self.commune_a).applicable_target().value, "≥70%")

    def test_a_target_for_a_range_of_years_applies_within_it(self):
        self.target("≥70%")
        self.target("≥75%", from_year=2022, to_year=2025)
        self.assertEqual(self.score(self.commune_a, 2025).applicable_target().value, "≥75%")
        self.assertEqual(self.score(self.commune_a, 2026).applicable_target().value, "≥70%")

    def test_a_region_target_beats_the_general_one(self):
        self.target("≥70%")
        self.target("≥85%", region=Region.BTB)
        self.target("≥95%", region=Region.DBSH)
        self.assertEqual(self.score(self.commune_a).applicable_target().value, "≥85%")

    def test_a_commune_group_target_applies_to_a_commune_of_that_group(self):
        self.target("≥70%")
        self.target("≥90%", commune_group=CommuneGroup.GROUP_1)
        self.commune_b.commune_group = CommuneGroup.GROUP_1
        self.assertEqual(self.score(self.commune_b).applicable_target().value, "≥90%")
        self.assertEqual(self.score(self.commune_a).applicable_target().value, "≥70%")

    def test_an_extremely_difficult_commune_gets_the_northern_midlands_target(self):
        # QĐ 318 (08/3/2022): xã đặc biệt khó khăn take the TDMNPB level.
        self.target("≥70%")
        self.target("≥85%", region=Region.BTB)
        self.target("≥50%", region=Region.TDMNPB)
        self.commune_a.classes = [CommuneClass.EXTREMELY_DIFFICULT]
        self.assertEqual(self.ntm.edition(2022).region_of(self.commune_a), Region.TDMNPB)
        self.assertEqual(self.score(self.commune_a).applicable_target().value, "≥50%")

    def test_a_zone_iii_commune_takes_the_northern_level_from_the_2024_amendment(self):
        # QĐ 211/QĐ-TTg (01/3/2024) extends the rule to xã khu vực III, from 2024's scores on.
        self.target("≥85%", region=Region.BTB)
        self.target("≥50%", region=Region.TDMNPB)
        self.commune_a.classes = [CommuneClass.ZONE_III]
        self.assertEqual(self.score(self.commune_a, 2023).applicable_target().value, "≥85%")
        self.assertEqual(self.score(self.commune_a, 2024).applicable_target().value, "≥50%")
        before = self.ntm.edition(2024, as_of=datetime.date(2024, 2, 29))
        self.assertEqual(self.road.target_for(self.commune_a, 2024, edition=before).value, "≥85%")

    def test_a_class_without_a_rule_keeps_its_region(self):
        self.target("≥85%", region=Region.BTB)
        self.target("≥50%", region=Region.TDMNPB)
        other = load_shipped_set("QD1980-2016-XA-NTM")
        self.commune_a.classes = [CommuneClass.EXTREMELY_DIFFICULT]
        self.assertEqual(other.edition(2019).region_of(self.commune_a), Region.BTB)

    def test_no_matching_target_gives_none(self):
        self.target("≥95%", region=Region.DBSH)
        self.target("≥75%", from_year=YEAR + 1, to_year=YEAR + 1)
        self.assertIsNone(self.score(self.commune_a).applicable_target())

    def test_an_indicator_without_targets_gives_none(self):
        self.assertIsNone(self.score(self.commune_a).applicable_target())


class ScoreAssessTests(AssessmentTestCase):
    def assess(self, code, *, value=None, text="", status="", reason="", target=None):
        score = Score(indicator=self.indicators[code], commune=self.commune_a, year=YEAR)
        target = target or score.applicable_target()
        number = None if value is None else Decimal(value)
        score.assess(value_number=number, value_text=text, status=status, reason=reason, target=target)
        return score

    def assess_errors(self, code, **kwargs) -> dict:
        with self.assertRaises(ValidationError) as raised:
            self.assess(code, **kwargs)
        return raised.exception.message_dict

    def test_a_value_above_a_minimum_target_is_met(self):
        self.assertEqual(self.assess("3.1", value="85.5").status, Status.MET)

    def test_a_value_equal_to_a_minimum_target_is_met(self):
        self.assertEqual(self.assess("3.1", value="80").status, Status.MET)

    def test_a_value_below_a_minimum_target_is_not_met(self):
        self.assertEqual(self.assess("3.1", value="79.9").status, Status.NOT_MET)

    def test_a_maximum_indicator_is_met_below_its_target(self):
        target = IndicatorTarget.objects.create(indicator=self.indicators["15.3"], value="≤22,5%")
        self.assertEqual(self.assess("15.3", value="20", target=target).status, Status.MET)

    def test_a_maximum_indicator_is_not_met_above_its_target(self):
        target = IndicatorTarget.objects.create(indicator=self.indicators["11"], value="≤4%")
        self.assertEqual(self.assess("11", value="4.5", target=target).status, Status.NOT_MET)

    def test_a_value_without_target_needs_a_status(self):
        errors = self.assess_errors("2.2", value="90")
        self.assertEqual(list(errors), ["status"])
        self.assertIn("2.2", errors["status"][0])

    def test_no_value_and_no_status_is_not_assessed(self):
        self.assertEqual(self.assess("2.2").status, Status.NOT_ASSESSED)

    def test_a_status_against_the_value_needs_a_reason(self):
        errors = self.assess_errors("3.1", value="70", status=Status.MET)
        self.assertEqual(list(errors), ["override_reason"])
        self.assertIn("Chưa đạt", errors["override_reason"][0])

    def test_a_status_against_the_value_with_a_reason_is_kept(self):
        score = self.assess("3.1", value="70", status=Status.MET, reason=" Số liệu đo lại sau lũ ")
        self.assertEqual((score.status, score.override_reason), (Status.MET, "Số liệu đo lại sau lũ"))

    def test_a_status_that_agrees_with_the_value_stores_no_reason(self):
        score = self.assess("3.1", value="90", status=Status.MET, reason="không cần")
        self.assertEqual((score.status, score.override_reason), (Status.MET, ""))

    def test_not_applicable_is_refused_for_an_indicator_that_always_applies(self):
        errors = self.assess_errors("2.1", status=Status.NOT_APPLICABLE)
        self.assertEqual(list(errors), ["status"])

    def test_not_applicable_is_accepted_for_a_conditional_indicator(self):
        self.assertEqual(self.assess("13.4", status=Status.NOT_APPLICABLE).status, Status.NOT_APPLICABLE)

    def test_text_in_a_numeric_value_is_refused(self):
        errors = self.assess_errors("3.1", text="khoảng 80", status=Status.MET)
        self.assertIn("value_number", errors)


class StandingTests(AssessmentTestCase):
    def standing(self, commune=None, **kwargs):
        commune = commune or self.commune_a
        return commune_standings([commune], criteria_set=self.ntm, year=YEAR, **kwargs)[commune.pk]

    def criterion(self, standing, number):
        return next(c for c in standing.criteria if c.criterion.number == number)

    def add_communes(self, count):
        """Communes with every indicator met."""
        for n in range(Commune.objects.count(), Commune.objects.count() + count):
            commune = Commune.objects.create(
                code=f"9{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
            )
            self.score_all(commune, YEAR)

    def test_all_met_meets_the_set(self):
        self.score_all(self.commune_a, YEAR)
        standing = self.standing()
        self.assertEqual((standing.criteria_met, standing.criteria_total), (19, 19))
        self.assertEqual((standing.indicators_met, standing.indicators_total), (57, 57))
        self.assertTrue(standing.meets_set)
        self.assertEqual(standing.summary, "19/19 tiêu chí, 57/57 chỉ tiêu")

    def test_basically_met_is_shown_but_not_counted_as_met(self):
        self.score_all(self.commune_a, YEAR, exceptions={"13.2": Status.BASICALLY_MET})
        standing = self.standing()
        self.assertEqual(self.criterion(standing, 13).status, Status.BASICALLY_MET)
        self.assertEqual((standing.criteria_met, standing.indicators_met), (18, 56))
        self.assertFalse(standing.meets_set)

    def test_a_not_applicable_indicator_counts_as_met(self):
        self.score_all(self.commune_a, YEAR, exceptions={"13.4": Status.NOT_APPLICABLE})
        standing = self.standing()
        self.assertEqual(self.criterion(standing, 13).status, Status.MET)
        self.assertEqual((standing.criteria_met, standing.indicators_met), (19, 57))

    def test_not_met_outweighs_not_assessed_in_a_criterion(self):
        self.score_all(self.commune_a, YEAR, exceptions={"3.1": Status.NOT_MET, "3.2": Status.NOT_ASSESSED})
        self.assertEqual(self.criterion(self.standing(), 3).status, Status.NOT_MET)

    def test_a_missing_score_leaves_its_criterion_not_assessed(self):
        Score.objects.create(
            indicator=self.indicators["3.1"], commune=self.commune_a, year=YEAR, status="met"
        )
        self.assertEqual(self.criterion(self.standing(), 3).status, Status.NOT_ASSESSED)

    def test_without_scores_every_criterion_is_not_assessed(self):
        standing = self.standing()
        self.assertEqual({c.status for c in standing.criteria}, {Status.NOT_ASSESSED})
        self.assertEqual((standing.criteria_met, standing.criteria_total), (0, 19))
        self.assertFalse(standing.assessed)

    def test_scores_of_another_year_do_not_count(self):
        self.score_all(self.commune_a, YEAR - 1)
        self.assertEqual(self.standing().criteria_met, 0)

    def test_unmet_indicator_codes_follow_the_set_order(self):
        unmet = {"17.10": Status.NOT_MET, "2.3": Status.NOT_ASSESSED, "17.2": Status.BASICALLY_MET}
        self.score_all(self.commune_a, YEAR, exceptions={**unmet, "13.4": Status.NOT_APPLICABLE})
        self.assertEqual(self.standing().unmet_indicator_codes, ["2.3", "17.2", "17.10"])

    def test_the_acceptance_example(self):
        unmet = ["2.1", "2.2", "11", "13.2", "17.5"]
        self.score_all(self.commune_a, YEAR, exceptions=dict.fromkeys(unmet, Status.NOT_MET))
        standing = self.standing()
        self.assertEqual((standing.criteria_met, standing.indicators_met), (15, 52))
        self.assertEqual([c.criterion.number for c in standing.unmet_criteria], [2, 11, 13, 17])
        self.assertEqual(standing.summary, "15/19 tiêu chí, 52/57 chỉ tiêu")

    def test_each_commune_gets_its_own_scores(self):
        self.score_all(self.commune_a, YEAR)
        self.score_all(self.commune_b, YEAR, exceptions={"7": Status.NOT_MET})
        standings = commune_standings([self.commune_a, self.commune_b], criteria_set=self.ntm, year=YEAR)
        met = [standings[c.pk].criteria_met for c in (self.commune_a, self.commune_b)]
        self.assertEqual(met, [19, 18])

    def test_village_scores_do_not_count_for_the_commune(self):
        self.score_all(self.commune_a, YEAR, village=self.village_a)
        self.assertEqual(self.standing().criteria_met, 0)

    def test_query_count_does_not_grow_with_communes(self):
        communes = Commune.objects.filter(district=self.district)
        self.add_communes(1)
        # communes; criteria; their indicators; the indicators' targets; the set's region
        # rules and amendments; the scores
        criteria_set = self.fresh_set()
        with self.assertNumQueries(7):
            self.assertEqual(len(commune_standings(communes.all(), criteria_set=criteria_set, year=YEAR)), 3)
        self.add_communes(27)
        criteria_set = self.fresh_set()
        with self.assertNumQueries(7):
            standings = commune_standings(communes.all(), criteria_set=criteria_set, year=YEAR)
        self.assertEqual(sum(s.meets_set for s in standings.values()), 28)
        self.assertEqual(len(standings), 30)

    def test_a_summary_judges_each_value_by_its_communes_target_as_the_detail_does(self):
        # 2.2 at 80%: met against the general ≥70%, short of the region's ≥85%, met
        # against the ≥50% an extremely difficult commune takes from the northern midlands.
        road = self.indicators["2.2"]
        for value, scope in (
            ("≥70%", {}),
            ("≥85%", {"region": Region.BTB}),
            ("≥50%", {"region": Region.TDMNPB}),
        ):
            IndicatorTarget.objects.create(indicator=road, value=value, **scope)
        general = Commune.objects.create(code="90001", name="Xã Chung", province=self.province)
        difficult = Commune.objects.create(
            code="90002",
            name="Xã Khó",
            province=self.province,
            region=Region.BTB,
            classes=[CommuneClass.EXTREMELY_DIFFICULT],
        )
        communes = [self.commune_a, general, difficult]
        for commune in communes:
            # Recorded as met, which the value does not reach for commune A: the target judges.
            self.score_all(commune, YEAR, exceptions={"2.2": Status.MET})
            Score.objects.filter(commune=commune, indicator=road).update(value_number=80)
        options = {"criteria_set": self.fresh_set(), "year": YEAR}
        detail = commune_standings(communes, **options)
        summary = commune_standings(communes, detail=False, **options)
        judged = {
            commune.name: [
                (self.criterion(standings[commune.pk], 2).status) for standings in (detail, summary)
            ]
            for commune in communes
        }
        self.assertEqual(
            judged,
            {"Dân Lý": [Status.NOT_MET] * 2, "Xã Chung": [Status.MET] * 2, "Xã Khó": [Status.MET] * 2},
        )
        for commune in communes:
            self.assertEqual(detail[commune.pk].indicators_met, summary[commune.pk].indicators_met)


class AsOfTests(AssessmentTestCase):
    """3.2 was met on 01/3/2024 and found not met later; the history keeps both."""

    march = datetime.date(2024, 3, 1)

    def setUp(self):
        self.watered = Score.objects.create(
            indicator=self.indicators["3.1"], commune=self.commune_a, year=YEAR, value_number=90, status="met"
        )
        self.disaster = Score.objects.create(
            indicator=self.indicators["3.2"], commune=self.commune_a, year=YEAR, status="met"
        )
        Score.history.update(history_date=at(self.march))
        self.disaster.status = Status.NOT_MET
        self.disaster.save()

    def criterion_3(self, as_of=None):
        standings = commune_standings([self.commune_a], criteria_set=self.ntm, year=YEAR, as_of=as_of)
        return next(c for c in standings[self.commune_a.pk].criteria if c.criterion.number == 3)

    def add_communes(self, count):
        """Communes with 3.1 and 3.2 met, saved with their history."""
        for n in range(Commune.objects.count(), Commune.objects.count() + count):
            commune = Commune.objects.create(
                code=f"9{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
            )
            for code in ("3.1", "3.2"):
                Score.objects.create(
                    indicator=self.indicators[code], commune=commune, year=YEAR, status="met"
                )

    def test_as_of_a_past_day_shows_the_status_then(self):
        criterion = self.criterion_3(as_of=self.march)
        self.assertEqual([r.status for r in criterion.indicators], [Status.MET, Status.MET])
        self.assertEqual(criterion.status, Status.MET)

    def test_as_of_a_day_includes_changes_late_that_evening(self):
        Score.history.filter(history_type="~").update(history_date=at(self.march, 23, 30))
        self.assertEqual(self.criterion_3(as_of=self.march).status, Status.NOT_MET)

    def test_two_saves_at_one_instant_read_as_the_later(self):
        Score.history.filter(history_type="~").update(history_date=at(self.march))
        criterion = self.criterion_3(as_of=self.march)
        self.assertEqual([r.status for r in criterion.indicators], [Status.MET, Status.NOT_MET])

    def test_as_of_before_any_score_is_not_assessed(self):
        criterion = self.criterion_3(as_of=self.march - datetime.timedelta(days=1))
        self.assertEqual([r.score for r in criterion.indicators], [None, None])
        self.assertEqual(criterion.status, Status.NOT_ASSESSED)

    def test_as_of_today_equals_the_current_standing(self):
        today = self.criterion_3(as_of=timezone.localdate())
        self.assertEqual([r.status for r in today.indicators], [Status.MET, Status.NOT_MET])
        self.assertEqual(today.status, self.criterion_3().status)

    def test_as_of_keeps_the_value_of_the_day(self):
        criterion = self.criterion_3(as_of=self.march)
        self.assertEqual(criterion.indicators[0].score.value_display, "90")

    def test_query_count_as_of_a_day_does_not_grow_with_communes(self):
        communes = Commune.objects.filter(district=self.district)
        self.add_communes(1)
        today = timezone.localdate()
        # communes; criteria; their indicators; the indicators' targets; the set's region
        # rules and amendments; the scores' latest history rows
        criteria_set = self.fresh_set()
        with self.assertNumQueries(7):
            commune_standings(communes.all(), criteria_set=criteria_set, year=YEAR, as_of=today)
        self.add_communes(27)
        criteria_set = self.fresh_set()
        with self.assertNumQueries(7):
            standings = commune_standings(communes.all(), criteria_set=criteria_set, year=YEAR, as_of=today)
        self.assertEqual(sum(s.indicators_met for s in standings.values()), 1 + 28 * 2)

    def test_a_deleted_score_is_gone_as_of_today_but_not_before(self):
        self.watered.delete()
        self.assertIsNone(self.criterion_3(as_of=timezone.localdate()).indicators[0].score)
        self.assertEqual(self.criterion_3(as_of=self.march).indicators[0].status, Status.MET)


class VillageStandingTests(AssessmentTestCase):
    """A small village set: 2 criteria, 3 indicators."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.village_set = CriteriaSet.objects.create(
            code="TH-THON-NTM", name="Thôn nông thôn mới", level=CriteriaSet.Level.VILLAGE
        )
        roads = Criterion.objects.create(criteria_set=cls.village_set, number=1, name="Giao thông")
        houses = Criterion.objects.create(criteria_set=cls.village_set, number=2, name="Nhà ở")
        cls.village_indicators = {
            code: Indicator.objects.create(criterion=criterion, code=code, text=code, order=n)
            for n, (code, criterion) in enumerate([("1.1", roads), ("1.2", roads), ("2.1", houses)])
        }
        cls.village_a2 = Village.objects.create(commune=cls.commune_a, code="T02", name="Thôn Hai")

    def score(self, code, status, *, village=None):
        village = village or self.village_a
        return Score.objects.create(
            indicator=self.village_indicators[code],
            commune=village.commune,
            village=village,
            year=YEAR,
            status=status,
        )

    def standings(self):
        villages = Village.objects.filter(commune=self.commune_a).select_related("commune")
        return village_standings(villages, criteria_set=self.village_set, year=YEAR)

    def test_a_village_is_counted_from_its_own_scores(self):
        self.score("1.1", Status.MET)
        self.score("1.2", Status.MET)
        self.score("2.1", Status.NOT_MET)
        standing = self.standings()[self.village_a.pk]
        self.assertEqual(standing.summary, "1/2 tiêu chí, 2/3 chỉ tiêu")

    def test_another_village_scores_stay_with_it(self):
        for code in ("1.1", "1.2", "2.1"):
            self.score(code, Status.MET, village=self.village_a2)
        standings = self.standings()
        self.assertTrue(standings[self.village_a2.pk].meets_set)
        self.assertEqual(standings[self.village_a.pk].criteria_met, 0)

    def test_commune_level_scores_do_not_count_for_a_village(self):
        Score.objects.create(
            indicator=self.village_indicators["1.1"], commune=self.commune_a, year=YEAR, status="met"
        )
        self.assertEqual(self.standings()[self.village_a.pk].indicators_met, 0)


class CommuneRowTests(AssessmentTestCase):
    today = None

    def setUp(self):
        self.today = timezone.localdate()
        self.last_year = self.today - datetime.timedelta(days=365)

    def register(self, commune, target_year=YEAR):
        return Registration.objects.create(
            commune=commune, criteria_set=self.ntm, target_year=target_year, registered_on=self.last_year
        )

    def recognise(self, commune, **kwargs):
        return Recognition.objects.create(
            commune=commune,
            criteria_set=self.ntm,
            decision_number="123/QĐ-UBND",
            decided_on=self.last_year,
            **kwargs,
        )

    def row(self, commune=None, **kwargs):
        (row,) = commune_rows([commune or self.commune_a], criteria_set=self.ntm, year=YEAR, **kwargs)
        return row

    def test_a_registered_commune_short_of_the_set_is_at_risk(self):
        self.register(self.commune_a)
        self.score_all(self.commune_a, YEAR, exceptions={"7": Status.NOT_MET})
        self.assertTrue(self.row().at_risk)

    def test_a_registered_commune_that_meets_the_set_is_not_at_risk(self):
        self.register(self.commune_a)
        self.score_all(self.commune_a, YEAR)
        self.assertFalse(self.row().at_risk)

    def test_a_recognised_commune_is_not_at_risk(self):
        self.register(self.commune_a)
        recognition = self.recognise(self.commune_a)
        row = self.row()
        self.assertEqual(row.recognition, recognition)
        self.assertFalse(row.at_risk)

    def test_a_revoked_recognition_no_longer_counts(self):
        self.register(self.commune_a)
        self.recognise(
            self.commune_a,
            revoked_on=self.today - datetime.timedelta(days=1),
            revocation_reason="Tiêu chí môi trường không còn đạt",
        )
        row = self.row()
        self.assertIsNone(row.recognition)
        self.assertTrue(row.at_risk)

    def test_a_recognition_revoked_later_counts_until_then(self):
        self.register(self.commune_a)
        self.recognise(
            self.commune_a,
            revoked_on=self.today - datetime.timedelta(days=1),
            revocation_reason="Tiêu chí môi trường không còn đạt",
        )
        self.assertFalse(self.row(as_of=self.today - datetime.timedelta(days=2)).at_risk)

    def test_a_registration_for_another_year_is_not_at_risk(self):
        self.register(self.commune_a, target_year=YEAR + 1)
        self.assertFalse(self.row().at_risk)

    def test_a_commune_without_registration_is_not_at_risk(self):
        self.assertFalse(self.row().at_risk)

    def test_a_registration_made_after_the_day_does_not_count(self):
        self.register(self.commune_a)
        row = self.row(as_of=self.last_year - datetime.timedelta(days=1))
        self.assertIsNone(row.registration)
        self.assertFalse(row.at_risk)


class DistrictSummaryTests(AssessmentTestCase):
    def commune_meeting(self, criteria_met: int) -> Commune:
        """A new commune meeting `criteria_met` of the 19 criteria; the others miss their first indicator."""
        n = Commune.objects.count()
        commune = Commune.objects.create(
            code=f"8{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
        )
        firsts = {}
        for code, indicator in self.indicators.items():
            firsts.setdefault(indicator.criterion.number, code)
        missed = [firsts[number] for number in range(1, 20 - criteria_met)]
        self.score_all(commune, YEAR, exceptions=dict.fromkeys(missed, Status.NOT_MET))
        return commune

    def summary(self, communes):
        rows = commune_rows(communes, criteria_set=self.ntm, year=YEAR)
        return DistrictSummary(all_rows=rows, criteria_total=19)

    def test_bands_put_each_commune_in_its_bucket(self):
        communes = [self.commune_meeting(n) for n in (19, 18, 15, 14, 10, 9, 0)]
        bands = self.summary(communes).bands
        self.assertEqual(bands, [("19", 1), ("15–18", 2), ("10–14", 2), ("dưới 10", 2)])

    def test_the_average_leaves_out_communes_never_assessed(self):
        communes = [self.commune_meeting(n) for n in (19, 15, 10)]
        summary = self.summary([*communes, self.commune_b])
        self.assertAlmostEqual(summary.average_criteria, 44 / 3)
        self.assertEqual((summary.commune_count, summary.not_assessed_count), (3, 1))

    def test_a_commune_never_assessed_is_in_no_band(self):
        bands = self.summary([self.commune_b]).bands
        self.assertEqual([count for _label, count in bands], [0, 0, 0, 0])
        self.assertEqual(self.summary([self.commune_b]).average_criteria, 0.0)

    def test_it_counts_recognised_and_at_risk_communes(self):
        first, second = self.commune_meeting(19), self.commune_meeting(17)
        for commune in (first, second):
            Registration.objects.create(
                commune=commune,
                criteria_set=self.ntm,
                target_year=YEAR,
                registered_on=datetime.date(2023, 1, 5),
            )
        Recognition.objects.create(
            commune=first,
            criteria_set=self.ntm,
            decision_number="9/QĐ",
            decided_on=datetime.date(2024, 12, 1),
        )
        summary = self.summary([first, second])
        self.assertEqual((summary.recognised_count, len(summary.registered_this_year)), (1, 2))
        self.assertEqual([r.commune for r in summary.at_risk], [second])
