"""The dossier package holds memory to a bound whatever its size: the zip is built in a
spooled file that moves to disk past SPOOL_BYTES, each document copied a chunk at a time,
and the response streams it."""

import os
import tracemalloc
from unittest import mock

from django.urls import reverse

from dossiers import package
from tests.dossiers.base import DossierTestCase, tiny_pdf

MB = 1024 * 1024


class PackageMemoryTests(DossierTestCase):
    def test_a_package_larger_than_its_spool_is_streamed_in_bounded_memory(self):
        dossier = self.open_dossier()
        for number in range(1, 5):
            # Random bytes do not compress: the zip is as large as the documents.
            content = tiny_pdf(f"tai lieu {number}") + os.urandom(MB)
            self.upload(
                self.item(dossier, number), content, name=f"tai-lieu-{number}.pdf", title=f"Tài liệu {number}"
            )
        self.client.force_login(self.coordinator)
        with mock.patch.object(package, "SPOOL_BYTES", MB // 4):
            tracemalloc.start()
            try:
                response = self.client.get(reverse("dossiers:package", args=[dossier.pk]))
                size = sum(len(chunk) for chunk in response.streaming_content)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        # The same whatever the number of documents; reading the zip back, as the package
        # once did, would alone take 4 MB, and its response a copy of it.
        self.assertGreater(size, 4 * MB)
        self.assertLess(peak, 4 * MB)
