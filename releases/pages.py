"""Sections that apps above releases add to a release's page (registered in their ``AppConfig.ready``), so that
the page shows what they hold about the release without this app importing or reaching into them."""

from collections.abc import Callable

from releases.models import Release

# Each takes the release and returns (template, context); the page includes the template with ``section``.
RELEASE_PAGE_SECTIONS: list[Callable[[Release], tuple[str, dict]]] = []


def register_section(section: Callable[[Release], tuple[str, dict]]) -> Callable[[Release], tuple[str, dict]]:
    if section not in RELEASE_PAGE_SECTIONS:
        RELEASE_PAGE_SECTIONS.append(section)
    return section


def release_page_sections(release: Release) -> list[tuple[str, dict]]:
    return [section(release) for section in RELEASE_PAGE_SECTIONS]
