"""A campaign's data products under /api/v1/campaigns/{id}/data-products/: read them (GET), replace the declared
list (PUT), ask for a count now (POST .../count/)."""

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import permissions as may
from campaigns.models import Campaign, CampaignDataProduct
from campaigns.products import data_products
from campaigns.services.products import (
    DATASET_TYPE_MAX_LENGTH,
    DATASET_TYPE_PATTERN,
    MAX_COUNT,
    MAX_PRODUCTS,
    campaign_products_count_request,
    campaign_products_declare,
)
from console.api.base import ConsoleAPIView
from console.api.fields import CharField, IntegerField


class DataProductSerializer(serializers.ModelSerializer):
    delivered = serializers.BooleanField(
        read_only=True, help_text="counted, and at least the expected count (at least one when none is expected)"
    )

    class Meta:
        model = CampaignDataProduct
        fields = ["dataset_type", "expected_count", "delivered_count", "counted_at", "delivered"]
        read_only_fields = fields


class DataProductsSerializer(serializers.Serializer):
    declared = serializers.IntegerField(help_text="how many data products the campaign declares")
    delivered = serializers.IntegerField(help_text="how many of them are delivered")
    counted_at = serializers.DateTimeField(allow_null=True, help_text="the newest count; null: never counted")
    products = DataProductSerializer(many=True)


class DataProductInputSerializer(serializers.Serializer):
    dataset_type = CharField(
        max_length=DATASET_TYPE_MAX_LENGTH,
        validators=[RegexValidator(DATASET_TYPE_PATTERN, "A dataset type name: a letter, then letters, digits and _.")],
    )
    expected_count = IntegerField(
        min_value=0, max_value=MAX_COUNT, allow_null=True, required=False, help_text="null or left out: not known"
    )


DECLARATION = DataProductInputSerializer(many=True, max_length=MAX_PRODUCTS)


def _campaign(pk: int) -> Campaign:
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise NotFound(f"No campaign {pk}.")
    return campaign


def _document(campaign: Campaign) -> dict:
    data = data_products(campaign)
    return DataProductsSerializer(
        {
            "declared": data.declared,
            "delivered": data.delivered,
            "counted_at": data.counted_at,
            "products": data.products,
        }
    ).data


class CampaignDataProductsView(ConsoleAPIView, APIView):
    """The dataset types the campaign must deliver, with the counts expected (null: not known) and what the Butler
    holds of each in the campaign's output runs (the newest successful run of each step or group), counted after
    each successful run."""

    rules = {"put": may.DECLARE_PRODUCTS}

    @extend_schema(responses=DataProductsSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_document(_campaign(pk)))

    @extend_schema(request=DECLARATION, responses=DataProductsSerializer)
    def put(self, request: Request, pk: int) -> Response:
        """Replace the declared list (each dataset type once, at most 500; an empty list declares none). The counts
        of the dataset types declared before are kept."""
        campaign = _campaign(pk)
        payload = DataProductInputSerializer(data=request.data, many=True, max_length=MAX_PRODUCTS)
        if not payload.is_valid():
            errors = payload.errors
            if isinstance(errors, list):
                # One entry per row, most of them empty; an error answers an object: the bad rows by number.
                errors = {f"product {index}": problems for index, problems in enumerate(errors, 1) if problems}
            raise ValidationError(errors)
        products = [(row["dataset_type"], row.get("expected_count")) for row in payload.validated_data]
        campaign_products_declare(actor=request.user, campaign=campaign, products=products)
        return Response(_document(campaign))


class CampaignDataProductsCountView(ConsoleAPIView, APIView):
    """Count the campaign's data products in the Butler now, in the background (as after each successful run)."""

    rules = {"post": may.DECLARE_PRODUCTS}

    @extend_schema(request=None, responses={202: DataProductsSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Answered at once with the counts as they are; GET the data products again for the new ones."""
        campaign = _campaign(pk)
        campaign_products_count_request(actor=request.user, campaign=campaign)
        return Response(_document(campaign), status=status.HTTP_202_ACCEPTED)
