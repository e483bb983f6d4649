"""The campaign page's data products: the section (``data_products_section``, read by ``views.campaign_detail``), and
its two actions: declare the products from a CSV, count them now."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from campaigns import permissions as may
from campaigns.forms import DataProductsForm
from campaigns.models import Campaign
from campaigns.products import data_products
from campaigns.services.products import (
    CSV_HEADER,
    campaign_products_count_request,
    campaign_products_declare,
    parse_products_csv,
)
from console.errors import InvalidInput
from console.forms import form_errors_message
from console.permissions import requires


def _draft_key(campaign: Campaign) -> str:
    """Where a refused CSV waits in the session, to be shown again in the form rather than typed again."""
    return f"data-products-csv-{campaign.pk}"


def _section_url(campaign: Campaign) -> str:
    return f"{campaign.get_absolute_url()}#data-products"


def data_products_section(request: HttpRequest, campaign: Campaign) -> dict:
    """The context of ``campaigns/_data_products.html``: the products and their counts, and for those who may
    declare them the form, filled with the CSV refused last (once) or else the current declaration."""
    data = data_products(campaign)
    section = {"campaign": campaign, "data": data, "may_declare": may.DECLARE_PRODUCTS.allows(request.user)}
    if section["may_declare"]:
        draft = request.session.pop(_draft_key(campaign), None)
        section["refused"] = draft is not None  # the form is shown open, with it
        if draft is None:
            lines = [",".join(CSV_HEADER)] + [
                f"{product.dataset_type},{'' if product.expected_count is None else product.expected_count}"
                for product in data.products
            ]
            draft = "\n".join(lines) + "\n"
        section["form"] = DataProductsForm(initial={"csv": draft}, auto_id="data-products-%s")
    return section


@require_POST
@requires(may.DECLARE_PRODUCTS)
def data_products_declare(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = DataProductsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(_section_url(campaign))
    text = form.cleaned_data["text"]
    try:
        declared = campaign_products_declare(actor=request.user, campaign=campaign, products=parse_products_csv(text))
    except InvalidInput as error:
        messages.error(request, str(error))
        request.session[_draft_key(campaign)] = text
        return redirect(_section_url(campaign))
    if declared:
        messages.success(
            request,
            f"{campaign.name} declares {len(declared)} data products; they are counted after each successful run.",
        )
    else:
        messages.success(request, f"{campaign.name} declares no data products.")
    return redirect(_section_url(campaign))


@require_POST
@requires(may.DECLARE_PRODUCTS)
def data_products_count(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    campaign_products_count_request(actor=request.user, campaign=campaign)
    messages.success(
        request, f"The data products of {campaign.name} are being counted in the Butler; reload the page in a moment."
    )
    return redirect(_section_url(campaign))
