"""The data facilities under /api/v1/facilities/, read-only: each with its submit hosts (their workers' state and
their submissions in progress) and its compute sites, whose ``reference`` is what a campaign's ``compute_site``
takes. The staff keep them in the admin."""

from rest_framework import mixins, viewsets

from campaigns import selectors
from campaigns.models import ComputeSite, Facility, SubmitHost
from console.api import fields
from console.api.base import ConsoleAPIView


class SubmitHostSerializer(fields.ModelSerializer):
    worker_away = fields.BooleanField(
        read_only=True,
        help_text="its worker has not taken beat's poll lately (or never): its submissions wait for it",
    )
    running_submissions = fields.IntegerField(read_only=True, help_text="submitting or running")
    pending_submissions = fields.IntegerField(read_only=True, help_text="waiting to be dispatched")

    class Meta:
        model = SubmitHost
        fields = [
            "id",
            "hostname",
            "queue",
            "address",
            "worker_seen_at",
            "worker_name",
            "worker_away",
            "running_submissions",
            "pending_submissions",
        ]
        read_only_fields = fields


class ComputeSiteSerializer(fields.ModelSerializer):
    reference = fields.CharField(
        read_only=True, help_text="facility-slug/site-name: what a campaign's compute_site names"
    )
    submit_host = fields.CharField(source="submit_host.hostname", read_only=True)
    campaigns = fields.IntegerField(source="campaign_count", read_only=True, help_text="campaigns that run here")

    class Meta:
        model = ComputeSite
        fields = [
            "id",
            "name",
            "reference",
            "kind",
            "submit_host",
            "partition",
            "nodes",
            "cores_per_node",
            "walltime",
            "account",
            "memory_per_node_gb",
            "campaigns",
        ]
        read_only_fields = fields


class FacilitySerializer(fields.ModelSerializer):
    submit_hosts = SubmitHostSerializer(many=True, read_only=True)
    sites = ComputeSiteSerializer(many=True, read_only=True)

    class Meta:
        model = Facility
        fields = ["id", "name", "slug", "description", "submit_hosts", "sites"]
        read_only_fields = fields


class FacilityViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Data facilities by name, with their submit hosts and compute sites."""

    serializer_class = FacilitySerializer

    def get_queryset(self):
        return selectors.facilities_listed()
