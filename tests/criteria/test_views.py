from django.urls import reverse

from communes.models import Department, Membership, Province, Region
from criteria.models import CriteriaSet, Criterion, CriterionOwner, Indicator, IndicatorTarget, resolve_target
from tests.base import PersonasTestCase


class LibraryTestCase(PersonasTestCase):
    """A small national set: 2 criteria, 3 indicators, general and regional targets."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.national = CriteriaSet.objects.create(
            code="QD318-2022-XA-NTM",
            name="Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021 - 2025",
            level=CriteriaSet.Level.COMMUNE,
            period="2021-2025",
            legal_basis="318/QĐ-TTg ngày 08/3/2022 (Phụ lục I)",
            target_dimension=CriteriaSet.TargetDimension.REGION,
        )
        cls.transport = Criterion.objects.create(
            criteria_set=cls.national,
            number=2,
            name="Giao thông",
            group="Hạ tầng kinh tế - xã hội",
        )
        cls.assign_owner(cls.transport, cls.department)
        cls.irrigation = Criterion.objects.create(criteria_set=cls.national, number=3, name="Thủy lợi")
        cls.road = Indicator.objects.create(
            criterion=cls.transport,
            code="2.2",
            text="Tỷ lệ đường thôn được cứng hóa",
            kind=Indicator.Kind.NUMERIC_MIN,
            unit="%",
            unverified=True,
        )
        IndicatorTarget.objects.create(indicator=cls.road, value="≥70%")
        IndicatorTarget.objects.create(indicator=cls.road, region=Region.BTB, value="≥85%")
        cls.watered = Indicator.objects.create(
            criterion=cls.irrigation,
            code="3.1",
            text="Tỷ lệ diện tích được tưới tiêu chủ động",
            kind=Indicator.Kind.NUMERIC_MIN,
            unit="%",
        )
        IndicatorTarget.objects.create(indicator=cls.watered, value="≥80%")
        cls.crafts = Indicator.objects.create(
            criterion=cls.irrigation,
            code="3.2",
            text="Phòng, chống thiên tai theo phương châm 4 tại chỗ",
            conditional=True,
        )


class SetListTests(LibraryTestCase):
    url = reverse("criteria:set_list")

    def test_it_lists_sets_with_counts(self):
        self.client.force_login(self.official_a)
        response = self.client.get(self.url)
        self.assertContains(response, "QD318-2022-XA-NTM")
        row = response.context["criteria_sets"][0]
        self.assertEqual((row.criterion_count, row.indicator_count), (2, 3))

    def test_it_shows_how_many_indicators_are_not_checked(self):
        self.client.force_login(self.leader)
        response = self.client.get(self.url)
        self.assertEqual(response.context["criteria_sets"][0].unchecked_count, 1)
        self.assertContains(response, "1 chỉ tiêu chưa đối chiếu")

    def test_it_requires_login(self):
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_query_count_does_not_grow_with_sets(self):
        self.client.force_login(self.leader)
        # session, user, memberships, sets with counts
        with self.assertNumQueries(4):
            self.client.get(self.url)
        for n in range(10):
            CriteriaSet.objects.create(code=f"TH-{n}", name=f"Bộ {n}", level="commune", issuer=self.province)
        with self.assertNumQueries(4):
            response = self.client.get(self.url)
        self.assertEqual(len(response.context["criteria_sets"]), 11)


class SetDetailTests(LibraryTestCase):
    url = reverse("criteria:set_detail", args=["QD318-2022-XA-NTM"])

    def test_it_shows_indicators_targets_and_department(self):
        self.client.force_login(self.official_b)
        response = self.client.get(self.url)
        self.assertContains(response, "Tỷ lệ đường thôn được cứng hóa")
        self.assertContains(response, "≥85%")
        self.assertContains(response, "Bắc Trung Bộ")
        self.assertContains(response, "318/QĐ-TTg ngày 08/3/2022")

    def test_it_counts_criteria_and_indicators(self):
        self.client.force_login(self.leader)
        response = self.client.get(self.url)
        self.assertContains(response, "2 tiêu chí, 3 chỉ tiêu")

    def test_it_marks_conditional_and_unverified_indicators(self):
        self.client.force_login(self.leader)
        response = self.client.get(self.url)
        self.assertContains(response, "nếu có")
        self.assertEqual(response.context["completeness"].unchecked_indicators, [self.road])

    def test_national_set_is_not_editable_by_coordinator(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url)
        self.assertFalse(response.context["can_edit"])
        self.assertTrue(response.context["can_copy"])

    def test_unknown_set_gets_404(self):
        self.client.force_login(self.leader)
        self.assertEqual(self.client.get("/criteria/KHONG-CO/").status_code, 404)

    def test_it_requires_login(self):
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_query_count_does_not_grow_with_indicators(self):
        self.client.force_login(self.leader)
        # session, user, memberships, set, criteria, indicators, targets, amendments,
        # region rules, the districts whose owners of the criteria the user may open
        with self.assertNumQueries(10):
            self.client.get(self.url)
        for n in range(20):
            indicator = Indicator.objects.create(
                criterion=self.irrigation, code=f"3.{n + 3}", text=f"Chỉ tiêu {n}"
            )
            IndicatorTarget.objects.create(indicator=indicator, value="Đạt")
        with self.assertNumQueries(10):
            response = self.client.get(self.url)
        self.assertEqual(response.context["completeness"].indicator_count, 23)

    def test_query_count_is_the_same_at_1_and_5_sets(self):
        self.client.force_login(self.leader)
        # session, user, memberships, set, criteria, indicators, targets, amendments,
        # region rules, the districts whose owners of the criteria the user may open
        with self.assertNumQueries(10):
            self.client.get(self.url)
        for n in range(4):
            other = CriteriaSet.objects.create(code=f"TH-{n}", name=f"Bộ {n}", level="commune")
            criterion = Criterion.objects.create(criteria_set=other, number=1, name="Giao thông")
            Indicator.objects.create(criterion=criterion, code="1.1", text="Đường", unverified=True)
        self.assertEqual(CriteriaSet.objects.count(), 5)
        with self.assertNumQueries(10):
            response = self.client.get(self.url)
        self.assertEqual(response.context["completeness"].unchecked_indicators, [self.road])

    def test_completeness_lists_what_lacks_a_target_or_a_check_with_a_link_to_fix_it(self):
        untargeted = Indicator.objects.create(
            criterion=self.irrigation, code="3.3", text="Tỷ lệ kênh mương được kiên cố", kind="numeric_min"
        )
        self.client.force_login(self.admin)
        response = self.client.get(self.url)
        completeness = response.context["completeness"]
        self.assertEqual(completeness.missing_targets, [untargeted])
        self.assertEqual(completeness.unchecked_indicators, [self.road])
        self.assertContains(response, "Độ đầy đủ")
        self.assertContains(response, "1 chỉ tiêu chưa có mức đạt chuẩn")
        fix_target = reverse("criteria:indicator_edit", args=[self.national.code, untargeted.pk])
        fix_text = reverse("criteria:criterion_edit", args=[self.national.code, self.transport.number])
        self.assertContains(response, f'href="{fix_target}"')
        self.assertContains(response, f'href="{fix_text}"')
        # Who may not edit is sent to the row on the page, not to a form they cannot use.
        self.client.force_login(self.leader)
        response = self.client.get(self.url)
        self.assertNotContains(response, f'href="{fix_target}"')
        self.assertContains(response, f'href="#indicator-{untargeted.pk}"')


class SetCopyTests(LibraryTestCase):
    url = reverse("criteria:set_copy", args=["QD318-2022-XA-NTM"])

    def post_copy(self, user, code="TH-2022-XA-NTM"):
        self.client.force_login(user)
        return self.client.post(
            self.url,
            {
                "code": code,
                "name": "Bộ tiêu chí xã NTM tỉnh Thanh Hóa",
                "issuer": self.province.pk,
                "legal_basis": "1234/QĐ-UBND ngày 15/6/2022",
            },
        )

    def test_coordinator_copies_a_national_set(self):
        response = self.post_copy(self.coordinator)
        copy = CriteriaSet.objects.get(code="TH-2022-XA-NTM")
        self.assertRedirects(response, copy.get_absolute_url())
        self.assertEqual((copy.issuer, copy.parent), (self.province, self.national))
        self.assertEqual(Indicator.objects.filter(criterion__criteria_set=copy).count(), 3)
        self.assertEqual(IndicatorTarget.objects.filter(indicator__criterion__criteria_set=copy).count(), 3)

    def test_copy_keeps_the_owners_assigned_in_the_province(self):
        self.post_copy(self.coordinator)
        copied = Criterion.objects.get(criteria_set__code="TH-2022-XA-NTM", number=2)
        owner = CriterionOwner.objects.get(criterion=copied)
        self.assertEqual((owner.department, owner.district), (self.department, self.district))

    def test_copy_drops_the_owners_of_another_province(self):
        other = Province.objects.create(code="40", name="Nghệ An")
        foreign = Department.objects.create(name="Sở X", short_name="X", level="province", province=other)
        CriterionOwner.objects.all().delete()
        self.assign_owner(self.transport, foreign)
        self.client.force_login(self.admin)
        self.client.post(self.url, {"code": "TH-X", "name": "Bộ", "issuer": self.province.pk})
        self.assertFalse(CriterionOwner.objects.filter(criterion__criteria_set__code="TH-X").exists())

    def test_copy_refuses_a_code_in_use(self):
        response = self.post_copy(self.coordinator, code="QD318-2022-XA-NTM")
        self.assertContains(response, "Đã có bộ tiêu chí với mã QD318-2022-XA-NTM")
        self.assertEqual(CriteriaSet.objects.count(), 1)

    def test_copy_refuses_a_province_the_user_does_not_coordinate(self):
        other = Province.objects.create(code="40", name="Nghệ An")
        self.client.force_login(self.coordinator)
        response = self.client.post(self.url, {"code": "NA-1", "name": "Bộ", "issuer": other.pk})
        self.assertIn("issuer", response.context["form"].errors)
        self.assertFalse(CriteriaSet.objects.filter(code="NA-1").exists())

    def test_leader_cannot_copy(self):
        self.assertEqual(self.post_copy(self.leader).status_code, 403)
        self.assertEqual(CriteriaSet.objects.count(), 1)

    def test_commune_official_cannot_copy(self):
        self.assertEqual(self.post_copy(self.official_a).status_code, 403)

    def test_department_officer_cannot_copy(self):
        self.assertEqual(self.post_copy(self.department_officer).status_code, 403)

    def test_it_requires_login(self):
        self.assertEqual(self.client.post(self.url, {}).status_code, 302)
        self.assertEqual(CriteriaSet.objects.count(), 1)


class ProvincialSetEditTests(LibraryTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.provincial = CriteriaSet.objects.create(
            code="TH-2022-XA-NTM", name="Bộ tỉnh", level="commune", issuer=cls.province, parent=cls.national
        )
        cls.criterion = Criterion.objects.create(criteria_set=cls.provincial, number=2, name="Giao thông")
        cls.indicator = Indicator.objects.create(criterion=cls.criterion, code="2.2", text="Đường thôn")

    def criterion_payload(self, **indicator):
        data = {
            "criterion-name": "Giao thông nông thôn",
            "criterion-group": "Hạ tầng",
            "indicators-TOTAL_FORMS": "2",
            "indicators-INITIAL_FORMS": "1",
            "indicators-MIN_NUM_FORMS": "0",
            "indicators-MAX_NUM_FORMS": "1000",
            "indicators-0-id": self.indicator.pk,
            "indicators-0-code": "2.2",
            "indicators-0-text": "Tỷ lệ đường thôn được cứng hóa",
            "indicators-0-kind": "numeric_min",
            "indicators-0-unit": "%",
            "indicators-0-order": "1",
        }
        data.update({f"indicators-1-{k}": v for k, v in indicator.items()})
        return data

    def test_coordinator_edits_criterion_and_adds_an_indicator(self):
        self.client.force_login(self.coordinator)
        url = reverse("criteria:criterion_edit", args=[self.provincial.code, 2])
        payload = self.criterion_payload(code="2.5", text="Đường nội đồng", kind="yes_no", order="5")
        response = self.client.post(url, payload)
        self.assertEqual(response.status_code, 302)
        self.criterion.refresh_from_db()
        self.assertEqual(self.criterion.name, "Giao thông nông thôn")
        self.assertEqual(list(self.criterion.indicators.values_list("code", flat=True)), ["2.2", "2.5"])

    def test_a_duplicate_indicator_code_is_refused_next_to_the_field(self):
        self.client.force_login(self.coordinator)
        url = reverse("criteria:criterion_edit", args=[self.provincial.code, 2])
        response = self.client.post(
            url, self.criterion_payload(code="2.2", text="Trùng", kind="yes_no", order="2")
        )
        self.assertContains(response, "Mã chỉ tiêu 2.2 đã có trong bộ tiêu chí.")
        self.assertEqual(self.criterion.indicators.count(), 1)

    def test_coordinator_sets_targets_by_region_and_year(self):
        self.client.force_login(self.coordinator)
        url = reverse("criteria:indicator_edit", args=[self.provincial.code, self.indicator.pk])
        response = self.client.post(
            url,
            {
                "indicator-required_evidence": "Báo cáo giao thông\nBản đồ",
                "indicator-note": "",
                "targets-TOTAL_FORMS": "2",
                "targets-INITIAL_FORMS": "0",
                "targets-MIN_NUM_FORMS": "0",
                "targets-MAX_NUM_FORMS": "1000",
                "targets-0-value": "≥70%",
                "targets-1-region": "BTB",
                "targets-1-from_year": "2024",
                "targets-1-to_year": "2024",
                "targets-1-value": "≥ 85,5%",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.indicator.refresh_from_db()
        self.assertEqual(self.indicator.required_evidence, ["Báo cáo giao thông", "Bản đồ"])
        target = resolve_target(self.indicator.targets.all(), region="BTB", year=2024)
        self.assertEqual((target.value, str(target.threshold)), ("≥ 85,5%", "85.5000"))

    def test_target_by_region_and_group_at_once_is_refused(self):
        self.client.force_login(self.coordinator)
        url = reverse("criteria:indicator_edit", args=[self.provincial.code, self.indicator.pk])
        response = self.client.post(
            url,
            {
                "indicator-required_evidence": "",
                "indicator-note": "",
                "targets-TOTAL_FORMS": "1",
                "targets-INITIAL_FORMS": "0",
                "targets-MIN_NUM_FORMS": "0",
                "targets-MAX_NUM_FORMS": "1000",
                "targets-0-region": "BTB",
                "targets-0-commune_group": "1",
                "targets-0-value": "≥70%",
            },
        )
        self.assertContains(response, "theo vùng hoặc theo nhóm xã, không cả hai")
        self.assertFalse(self.indicator.targets.exists())

    def test_coordinator_edits_set_particulars(self):
        self.client.force_login(self.coordinator)
        url = reverse("criteria:set_edit", args=[self.provincial.code])
        response = self.client.post(
            url,
            {
                "name": "Bộ tiêu chí xã NTM tỉnh Thanh Hóa",
                "period": "2022-2025",
                "legal_basis": "1415/QĐ-UBND",
                "effective_on": "15/06/2022",
                "target_dimension": "region",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.provincial.refresh_from_db()
        self.assertEqual(str(self.provincial.effective_on), "2022-06-15")

    def test_leader_cannot_edit(self):
        self.client.force_login(self.leader)
        self.assertEqual(
            self.client.get(reverse("criteria:set_edit", args=[self.provincial.code])).status_code, 403
        )

    def test_commune_official_cannot_edit(self):
        self.client.force_login(self.official_a)
        url = reverse("criteria:criterion_edit", args=[self.provincial.code, 2])
        self.assertEqual(self.client.post(url, self.criterion_payload()).status_code, 403)
        self.criterion.refresh_from_db()
        self.assertEqual(self.criterion.name, "Giao thông")

    def test_coordinator_of_another_province_cannot_edit(self):
        other = Province.objects.create(code="40", name="Nghệ An")
        outsider = self.make_user("dieuphoi_na", Membership.Role.COORDINATOR, province=other)
        self.client.force_login(outsider)
        self.assertEqual(
            self.client.get(reverse("criteria:set_edit", args=[self.provincial.code])).status_code, 403
        )

    def test_national_set_edit_is_forbidden_to_coordinator(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(
            self.client.get(reverse("criteria:set_edit", args=[self.national.code])).status_code, 403
        )

    def test_indicator_of_another_set_gets_404(self):
        self.client.force_login(self.coordinator)
        url = reverse("criteria:indicator_edit", args=[self.provincial.code, self.road.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_edit_requires_login(self):
        url = reverse("criteria:set_edit", args=[self.provincial.code])
        self.assertEqual(self.client.get(url).status_code, 302)
