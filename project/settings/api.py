"""The API: Django REST framework's defaults and the OpenAPI schema of drf-spectacular."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "console.ratelimit.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "console.api.pagination.ConsolePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "console.api.schema.ConsoleAutoSchema",
    "EXCEPTION_HANDLER": "console.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser, bounded in nesting (console/bounded.py); forms for the pages' and scripts' old habits.
    "DEFAULT_PARSER_CLASSES": [
        "console.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Campaign Console API",
    "DESCRIPTION": "Releases, committee decisions, campaigns, QA and milestones of data production.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API reads JSON; it still takes a form, but documents and fuzzes JSON only.
    "PARSER_WHITELIST": ["console.api.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "console.api.schema.bound_integers",
        "console.api.schema.text_refuses_nul",
        "console.api.schema.bound_dates",
    ],
    # Several models have a `status` or `kind`; name each choice set after its own.
    "ENUM_NAME_OVERRIDES": {
        "ReleaseStatusEnum": "releases.choices.ReleaseStatus",
        "BackportStatusEnum": "releases.choices.BackportStatus",
        "ReleaseKindEnum": "releases.choices.ReleaseKind",
        "CampaignKindEnum": "campaigns.choices.CampaignKind",
        "DecisionStatusEnum": "committee.choices.DecisionStatus",
        "DecisionKindEnum": "committee.choices.DecisionKind",
        "CommitteeKindEnum": "committee.choices.CommitteeKind",
        "CampaignStatusEnum": "campaigns.choices.CampaignStatus",
        "SubmissionStatusEnum": "campaigns.choices.SubmissionStatus",
        "WorkflowSystemEnum": "campaigns.choices.WorkflowSystem",
        "ErrorOriginEnum": "campaigns.choices.ErrorOrigin",
        "ErrorActionEnum": "campaigns.choices.ErrorAction",
        "MilestoneStatusEnum": "milestones.choices.MilestoneStatus",
        "MilestoneChangeOriginEnum": "milestones.choices.ChangeOrigin",
        "MilestoneTrackedFieldEnum": "milestones.choices.TrackedField",
        "EvidenceKindEnum": "milestones.choices.EvidenceKind",
        "EvidenceProposalStateEnum": "milestones.choices.ProposalState",
        "JiraSyncStatusEnum": "milestones.choices.SyncStatus",
        "JiraSyncTriggerEnum": "milestones.choices.SyncTrigger",
        "AttentionKindEnum": "dashboard.attention.AttentionKind",
        "AttentionActionEnum": "dashboard.attention.AttentionAction",
        "AttentionUrgencyEnum": "dashboard.attention.AttentionUrgency",
    },
}
