"""Reports at the levels a province or the country is read at: a province's report with
one annex per group of communes, a group's report alone, and a report over several
provinces summarised by province."""

import datetime
from pathlib import Path

from django.test import Client
from django.urls import reverse

from communes.models import Commune, CommuneGroup, District, Membership, Province
from criteria.models import Recognition, Registration, Score
from tests.base import AssessmentTestCase
from tests.reports.documents import pdf_pages, pdf_text, sheet_rows, table_rows, workbook

Role = Membership.Role
NOT_MET = Score.Status.NOT_MET
# Dân Lý misses criteria 2, 11, 13 and 17: 15/19.
UNMET_4 = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), NOT_MET)


class LevelsTestCase(AssessmentTestCase):
    """Thanh Hóa: three former districts and a commune under the province directly.

    - Triệu Sơn: Dân Lý 15/19 (registered for 2024, at risk), Dân Lực 19/19, Thọ Dân not assessed;
    - Nông Cống: Tế Lợi 18/19, Minh Nghĩa 19/19 (recognised);
    - Như Thanh: Hải Long 12/19, Xuân Du 19/19;
    - Nhóm 2 (no district): Xã Mới 19/19.

    Nghệ An: Diễn Châu with Diễn Kim 19/19 and Diễn Hải 0/19.
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        province, district = cls.province, cls.district
        nong_cong = District.objects.create(code="393", name="Nông Cống", province=province)
        nhu_thanh = District.objects.create(code="394", name="Như Thanh", province=province)
        cls.nghe_an = Province.objects.create(code="40", name="Nghệ An")
        dien_chau = District.objects.create(code="434", name="Diễn Châu", province=cls.nghe_an)

        cls.tho_dan = Commune.objects.create(code="15931", name="Thọ Dân", province=province, district=district)
        cls.te_loi = Commune.objects.create(code="15940", name="Tế Lợi", province=province, district=nong_cong)
        cls.minh_nghia = Commune.objects.create(
            code="15941", name="Minh Nghĩa", province=province, district=nong_cong
        )
        cls.hai_long = Commune.objects.create(code="15950", name="Hải Long", province=province, district=nhu_thanh)
        cls.xuan_du = Commune.objects.create(code="15951", name="Xuân Du", province=province, district=nhu_thanh)
        cls.xa_moi = Commune.objects.create(
            code="16000", name="Xã Mới", province=province, commune_group=CommuneGroup.GROUP_2
        )
        cls.dien_kim = Commune.objects.create(
            code="17000", name="Diễn Kim", province=cls.nghe_an, district=dien_chau
        )
        cls.dien_hai = Commune.objects.create(
            code="17001", name="Diễn Hải", province=cls.nghe_an, district=dien_chau
        )
        first_seven = {code: NOT_MET for code, i in cls.indicators.items() if i.criterion.number <= 7}
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET_4)
        cls.score_all(cls.te_loi, 2024, exceptions={"11": NOT_MET})
        cls.score_all(cls.hai_long, 2024, exceptions=first_seven)
        cls.score_all(cls.dien_hai, 2024, status=NOT_MET)
        for met in (cls.commune_b, cls.minh_nghia, cls.xuan_du, cls.xa_moi, cls.dien_kim):
            cls.score_all(met, 2024)
        Registration.objects.create(
            commune=cls.commune_a, criteria_set=cls.ntm, target_year=2024, registered_on=datetime.date(2023, 12, 1)
        )
        Recognition.objects.create(
            commune=cls.minh_nghia,
            criteria_set=cls.ntm,
            decision_number="99/QĐ-UBND",
            decided_on=datetime.date(2024, 3, 1),
            signer="Chủ tịch UBND tỉnh",
        )
        cls.province_coordinator = cls.make_user("tinh", Role.COORDINATOR, province=province)
        cls.province_leader = cls.make_user("lanhdao_tinh", Role.LEADER, province=province)
        cls.national_leader = cls.make_user("lanhdao_hai_tinh", Role.LEADER, province=province)
        Membership.objects.create(user=cls.national_leader, role=Role.LEADER, province=cls.nghe_an)

    def fetch(self, name="reports:district_pdf", **params):
        return self.client.get(reverse(name), {"set": self.ntm.code, "year": 2024, **params})

    def get(self, user, name="reports:district_pdf", **params):
        self.client.force_login(user)
        return self.fetch(name, **params)

    @classmethod
    def render(cls, user, name="reports:district_pdf", **params) -> bytes:
        client = Client()
        client.force_login(user)
        response = client.get(reverse(name), {"set": cls.ntm.code, "year": 2024, **params})
        assert response.status_code == 200, response.status_code
        return response.content


class DumpTests(LevelsTestCase):
    def test_dump(self):
        Path("/tmp/levels").mkdir(exist_ok=True)
        Path("/tmp/levels/province.pdf").write_bytes(self.render(self.province_coordinator))
        Path("/tmp/levels/national.pdf").write_bytes(self.render(self.national_leader))
        Path("/tmp/levels/group.pdf").write_bytes(self.render(self.province_coordinator, group="huyen-393"))
