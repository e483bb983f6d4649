"""Weekly builds among releases in QA (issue 15): a weekly's (year, week) is not compared with a version's numbers,
so a specification restricted to a range of versions does not apply to a mini run on a weekly, and the trend by
release lists the weeklies after the versions, as the release list does."""

import pytest

from qa.specs import applies_to_release, version_key
from tests.qa.factories import SpecificationFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def releases():
    return {version: ReleaseFactory(version=version) for version in ("v23.0.0", "v24.0.0", "w.2021.28", "w.2021.40")}


def test_weeklies_sort_after_the_versions(releases):
    ordered = sorted(releases.values(), key=version_key)

    assert [release.version for release in ordered] == ["v23.0.0", "v24.0.0", "w.2021.28", "w.2021.40"]


def test_a_range_of_versions_says_nothing_of_a_weekly(releases):
    from_v23 = SpecificationFactory(min_release=releases["v23.0.0"])
    up_to_v24 = SpecificationFactory(max_release=releases["v24.0.0"])
    weeklies = SpecificationFactory(min_release=releases["w.2021.28"], max_release=releases["w.2021.40"])

    assert not applies_to_release(from_v23, releases["w.2021.40"])
    assert not applies_to_release(up_to_v24, releases["w.2021.28"])
    assert applies_to_release(from_v23, releases["v24.0.0"])
    assert applies_to_release(weeklies, releases["w.2021.40"])
    assert not applies_to_release(weeklies, releases["v23.0.0"])
