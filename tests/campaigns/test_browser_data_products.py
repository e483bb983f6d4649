"""An operator declares a campaign's data products on a phone (390 px) and reads delivered against expected."""

import pytest
from django.utils import timezone

from campaigns.models import CampaignDataProduct
from tests.browser.test_page_widths import LAID_OUT_SCRIPT, OVERFLOW_SCRIPT
from tests.campaigns.factories import StepFactory, SubmittableCampaignFactory
from tests.console.factories import UserFactory
from tests.support.browser import chromium_page, sign_in


@pytest.mark.browser
def test_an_operator_declares_the_data_products_at_390_px(live_server, transactional_db, screenshot_dir):
    UserFactory(username="operator", password="a-demo-password-1", roles=["operator"])
    campaign = SubmittableCampaignFactory(name="DP0.1 reprocessing")
    StepFactory(campaign=campaign, name="all")

    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 900})
        sign_in(page, live_server.url, "operator", "a-demo-password-1", campaign.get_absolute_url())
        # Nothing declared yet: the form is open.
        page.fill(
            "[data-testid=data-products-form] textarea",
            "dataset_type,count\nraw,3652567\ndeepCoadd_calexp_background,42206\nskyMap,\n",
        )
        with page.expect_navigation():
            page.click("[data-testid=data-products-form] button[type=submit]")
        CampaignDataProduct.objects.filter(dataset_type="raw").update(
            delivered_count=3652567, counted_at=timezone.now()
        )
        CampaignDataProduct.objects.filter(dataset_type="deepCoadd_calexp_background").update(
            delivered_count=20000, counted_at=timezone.now()
        )
        page.reload()
        page.evaluate(LAID_OUT_SCRIPT)

        assert "1 of 3 delivered" in page.inner_text("[data-testid=data-products-summary]")
        assert page.locator("[data-testid=data-product]").count() == 3
        assert page.locator("[data-testid=product-progress]").count() == 2
        for width in (360, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate(LAID_OUT_SCRIPT)
            found = page.evaluate(OVERFLOW_SCRIPT)
            assert found["scrollWidth"] <= found["width"], found
        page.locator("#data-products").screenshot(path=str(screenshot_dir / "campaign-data-products-390.png"))
