from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns import pages, preflight, selectors, services
from campaigns import permissions as may
from campaigns.api.serializers import (
    ArchiveSerializer,
    AutomateSerializer,
    BreakpointSerializer,
    CampaignCreateSerializer,
    CampaignDetailSerializer,
    CampaignProgressSerializer,
    CampaignSerializer,
    CloneResponseSerializer,
    CloneSerializer,
    DiffRowSerializer,
    PreflightSerializer,
    ReleaseChangeSerializer,
    ReleasePeriodSerializer,
    RestartSerializer,
    SubmissionSerializer,
    SubmitSerializer,
)
from campaigns.filters import CampaignFilter, SubmissionFilter
from campaigns.models import Campaign
from campaigns.progress import campaigns_progress
from campaigns.services.lifecycle import SAME_SITE
from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from console.errors import InvalidInput
from console.ratelimit import SubmissionRateThrottle


class CampaignViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Campaigns and their steps. Submitting, pausing and cloning are their own POSTs."""

    rules = {
        "create": may.DEFINE,
        "clone": may.DEFINE,
        "change_release": may.CHANGE_RELEASE,
        "pause": may.PAUSE,
        "resume": may.RESUME,
        "submit": may.SUBMIT,
        "archive": may.ARCHIVE,
        "unarchive": may.UNARCHIVE,
        "automate": may.AUTOMATE,
        "breakpoint": may.AUTOMATE,
    }

    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter

    def get_queryset(self):
        return selectors.campaigns_with_steps()

    def filter_queryset(self, queryset):
        # The list's filters choose among campaigns (archived ones hidden unless asked for); one campaign is found
        # by its id whatever they would say, archived or not.
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)

    def _respond_with_detail(self, campaign: Campaign, code: int = status.HTTP_200_OK) -> Response:
        """The campaign as it is now (read again, with its steps), after a service changed or made it."""
        return Response(CampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data, status=code)

    @extend_schema(responses=CampaignDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        """The campaign with its steps and the releases it ran with (``release_history``, oldest first)."""
        campaign = self.get_object()
        campaign.release_history = selectors.campaign_release_history(campaign)
        return Response(CampaignDetailSerializer(campaign).data)

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request: Request) -> Response:
        data = validated_payload(CampaignCreateSerializer, request)
        steps = data.pop("steps", None)
        campaign = services.campaign_create(actor=request.user, steps=steps, **data)
        return self._respond_with_detail(campaign, status.HTTP_201_CREATED)

    @extend_schema(request=CloneSerializer, responses={201: CloneResponseSerializer})
    @action(detail=True, methods=["post"])
    def clone(self, request: Request, pk: str) -> Response:
        """A draft copy, at ``compute_site`` when one is named (the same processing at another facility), else where
        the original runs; ``release_approval_needed`` says what approval it needs before it may run its release (a
        clone keeps the release, not the approval), ``release_approval_draft`` where to ask for it."""
        campaign = self.get_object()
        data = validated_payload(CloneSerializer, request)
        clone = self.get_queryset().get(
            pk=services.campaign_clone(
                actor=request.user,
                campaign=campaign,
                name=data["name"],
                compute_site=data.get("compute_site", SAME_SITE),
            ).pk
        )
        note = selectors.clone_release_note(campaign, clone)
        clone.release_approval_needed = note
        clone.release_approval_draft = pages.approval_request_url(clone, clone.release) if note else ""
        return Response(CloneResponseSerializer(clone).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReleaseChangeSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"], url_path="change-release")
    def change_release(self, request: Request, pk: str) -> Response:
        """Move the campaign onto another release approved for it (any open release for a mini run). Submissions
        in progress keep the release they were requested with."""
        campaign = self.get_object()
        data = validated_payload(ReleaseChangeSerializer, request)
        return self._respond_with_detail(
            services.campaign_release_change(actor=request.user, campaign=campaign, **data)
        )

    @extend_schema(responses=ReleasePeriodSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], url_path="release-history", pagination_class=None)
    def release_history(self, request: Request, pk: str) -> Response:
        """The releases the campaign ran with, oldest first: the one it was created with, then each change."""
        periods = selectors.campaign_release_history(self.get_object())
        return Response(ReleasePeriodSerializer(periods, many=True).data)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        return self._respond_with_detail(services.campaign_pause(actor=request.user, campaign=self.get_object()))

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        return self._respond_with_detail(services.campaign_resume(actor=request.user, campaign=self.get_object()))

    @extend_schema(request=AutomateSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def automate(self, request: Request, pk: str) -> Response:
        """Turn "run automatically" on (the automatic acts are then the caller's) or off."""
        body = validated_payload(AutomateSerializer, request)
        campaign = services.campaign_automate(actor=request.user, campaign=self.get_object(), on=body["on"])
        return self._respond_with_detail(campaign)

    @extend_schema(request=BreakpointSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def breakpoint(self, request: Request, pk: str) -> Response:
        """Put a breakpoint before a step (a campaign that runs automatically holds for review there) or take it
        away."""
        body = validated_payload(BreakpointSerializer, request)
        campaign = self.get_object()
        step = campaign.steps.filter(name=body["step"]).first()
        if step is None:
            raise InvalidInput(f"{campaign.name} has no step named {body['step']!r}.")
        services.step_breakpoint_set(actor=request.user, step=step, hold=body["hold"])
        return self._respond_with_detail(campaign)

    @extend_schema(responses=CampaignProgressSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def progress(self, request: Request, pk: str) -> Response:
        """Units of work done, in progress, failed and held (a group of a split step, or a step not split), and the
        completion estimated from the throughput so far."""
        campaign = self.get_object()
        return Response(CampaignProgressSerializer(campaigns_progress([campaign.pk])[campaign.pk]).data)

    @extend_schema(request=ArchiveSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        """Hide the campaign from lists and pickers (``?archived=include`` shows it) and close it to submissions;
        refused (409) while a submission of it is in progress or it runs. Nothing is deleted."""
        data = validated_payload(ArchiveSerializer, request)
        return self._respond_with_detail(
            services.campaign_archive(actor=request.user, campaign=self.get_object(), **data)
        )

    @extend_schema(request=ArchiveSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, pk: str) -> Response:
        """Show an archived campaign in lists and pickers again."""
        data = validated_payload(ArchiveSerializer, request)
        return self._respond_with_detail(
            services.campaign_unarchive(actor=request.user, campaign=self.get_object(), **data)
        )

    @extend_schema(
        request=SubmitSerializer,
        responses={202: SubmissionSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    @action(detail=True, methods=["post"], throttle_classes=[SubmissionRateThrottle])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit a step: answered at once with the pending submission; the run starts in the background."""
        campaign = self.get_object()
        data = validated_payload(SubmitSerializer, request)
        key = data.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
        if not key:
            raise ValidationError({"idempotency_key": ["Give an idempotency_key (or an Idempotency-Key header)."]})
        steps = list(campaign.steps.all())
        if "step" in data:
            step = selectors.campaign_step(campaign, name=data["step"])
            if step is None:
                raise ValidationError({"step": [f"{campaign.name} has no step {data['step']!r}."]})
        elif len(steps) == 1:
            step = steps[0]
        else:
            raise ValidationError({"step": [f"{campaign.name} has {len(steps)} steps; name one."]})
        submission = services.submission_request(actor=request.user, step=step, idempotency_key=key)
        submission = selectors.submissions_with_step().get(pk=submission.pk)
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=PreflightSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def preflight(self, request: Request, pk: str) -> Response:
        """Each step's pre-flight problems and its BPS configuration as it would be submitted."""
        campaign = self.get_object()
        rows = []
        for step, config in preflight.next_configs(campaign):
            problems = preflight.preflight_problems(campaign, step)
            rows.append({"step": step.name, "problems": [p.__dict__ for p in problems], "config": config})
        return Response(rows)

    @extend_schema(
        parameters=[OpenApiParameter("other", int, required=True, description="the campaign to compare with")],
        responses=DiffRowSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def diff(self, request: Request, pk: str) -> Response:
        """The two campaigns' definitions side by side."""
        campaign = self.get_object()
        # The schema has made sure `other` is a whole number (console.api.query).
        other_id = int(request.query_params["other"])
        try:
            other = self.get_queryset().get(pk=other_id)
        except Campaign.DoesNotExist:
            raise NotFound(f"No campaign {other_id} to compare with.") from None
        return Response(selectors.campaign_diff(campaign, other))


class SubmissionViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Submissions of campaign steps, newest first (``?campaign=ID&status=running``)."""

    rules = {"restart": may.RESTART, "cancel": may.CANCEL}

    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter

    def get_queryset(self):
        return selectors.submissions_with_step()

    @extend_schema(request=RestartSerializer, responses={202: SubmissionSerializer})
    @action(detail=True, methods=["post"], throttle_classes=[SubmissionRateThrottle])
    def restart(self, request: Request, pk: str) -> Response:
        """A new attempt re-running what failed; both attempts stay linked."""
        data = validated_payload(RestartSerializer, request)
        key = data.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
        submission = services.submission_restart(actor=request.user, submission=self.get_object(), idempotency_key=key)
        return Response(
            SubmissionSerializer(self.get_queryset().get(pk=submission.pk)).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(request=None, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"], throttle_classes=[SubmissionRateThrottle])
    def cancel(self, request: Request, pk: str) -> Response:
        submission = services.submission_cancel(actor=request.user, submission=self.get_object())
        return Response(SubmissionSerializer(self.get_queryset().get(pk=submission.pk)).data)
