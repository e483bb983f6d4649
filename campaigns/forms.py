"""Forms of the campaign pages.

They turn the posted text into the values the services take (a comma-separated
list into a list, the steps textarea into step dicts); whether the change is
allowed, and whether a campaign can be submitted, is the services' and the
pre-flight checks' call.
"""

import re

from django import forms

from campaigns import bps_config, partition, selectors
from campaigns.choices import CampaignKind, ErrorAction, ErrorOrigin, WorkflowSystem
from campaigns.models import Campaign, CampaignReleaseChange, ComputeSite, ErrorRule, ErrorType, Step
from campaigns.services import error_rules as error_rule_services
from campaigns.services.groups import SPLIT_MODES
from campaigns.services.lifecycle import ARCHIVE_REASON_MAX_LENGTH, MAX_RUNNING_GROUPS, SAME_SITE
from campaigns.services.products import CSV_MAX_CHARS
from console import text_limits
from console.forms import LongTextField
from console.identifiers import release_version_normalized
from releases.models import BackportRequest, Release


def _input(widget: type[forms.Widget], **attrs) -> forms.Widget:
    return widget(attrs={"class": "form-control form-control-sm", **attrs})


def _code(rows: int, **attrs) -> forms.Textarea:
    """A textarea for YAML, queries and step lines: monospaced, long lines kept."""
    return forms.Textarea(
        attrs={"class": "form-control form-control-sm font-monospace", "rows": rows, "spellcheck": "false", **attrs}
    )


def _select(**attrs) -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def _max_length(field: str) -> int:
    return Campaign._meta.get_field(field).max_length


STEP_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")
STEP_NAME_LENGTH = Step._meta.get_field("name").max_length
STEPS_HELP = "One step per line, in order: name [#subset] [after=name], e.g. “step2 #step2 after=step1”."


def parse_steps(text: str) -> list[dict]:
    """The steps textarea as the step dicts of ``services.campaign_create``; ValidationError names the bad line."""
    steps: list[dict] = []
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        name, options = words[0], words[1:]
        step = {"name": name}
        if not STEP_NAME.match(name) or len(name) > STEP_NAME_LENGTH:
            errors.append(f"line {number}: {name!r} is not a step name (letters, digits, - and _; at most 50).")
        elif any(other["name"] == name for other in steps):
            errors.append(f"line {number}: the step {name!r} is named twice.")
        for option in options:
            if option.startswith("#") and "pipeline_subset" not in step:
                step["pipeline_subset"] = option
            elif option.startswith("after=") and "depends_on" not in step:
                step["depends_on"] = option.removeprefix("after=")
                if not any(other["name"] == step["depends_on"] for other in steps):
                    errors.append(
                        f"line {number}: {name!r} comes after {step['depends_on']!r}, which is not a step above it."
                    )
            else:
                errors.append(f"line {number}: {option!r} is neither a #subset nor after=name (once each).")
        steps.append(step)
    if errors:
        raise forms.ValidationError(errors)
    if not steps:
        raise forms.ValidationError("A campaign needs at least one step.")
    return steps


class _ReleaseChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "There is no release %(value)s."}

    def __init__(self, **kwargs):
        super().__init__(queryset=Release.objects.all(), to_field_name="version", **kwargs)

    def to_python(self, value):
        # As people write it: "v23" is v23.0.0, "w_2021_28" is w.2021.28.
        return super().to_python(release_version_normalized(value))

    def label_from_instance(self, release: Release) -> str:
        if release.is_weekly:
            return f"{release} (weekly build: mini runs only)"
        return f"{release} ({release.get_status_display().lower()})"


class _ComputeSiteChoiceField(forms.ModelChoiceField):
    """A facility's compute site, labelled "Facility · site (kind)"; empty: this host, the console's own worker."""

    default_error_messages = {"invalid_choice": "There is no such compute site."}

    def __init__(self, **kwargs):
        super().__init__(
            queryset=selectors.compute_sites_offered(),
            required=False,
            empty_label="This host (the console's own worker)",
            help_text="where its jobs run: a facility's site, submitted from its submit host",
            widget=_select(),
            **kwargs,
        )

    def label_from_instance(self, site: ComputeSite) -> str:
        return f"{site.facility.name} · {site.name} ({site.kind})"


class CampaignCreateForm(forms.Form):
    name = forms.CharField(max_length=_max_length("name"), help_text="e.g. DC2 RC7", widget=_input(forms.TextInput))
    description = LongTextField(
        required=False, max_length=text_limits.DESCRIPTION, widget=_input(forms.Textarea, rows=2)
    )
    dataset_label = forms.CharField(
        required=False,
        max_length=_max_length("dataset_label"),
        help_text="e.g. DC2 RC6",
        widget=_input(forms.TextInput),
    )
    butler_repo = forms.CharField(
        label="Butler repository",
        required=False,
        max_length=_max_length("butler_repo"),
        help_text="a path or URI, e.g. /repo/dc2 or s3://bucket/repo",
        widget=_input(forms.TextInput),
    )
    input_collections = forms.CharField(
        required=False,
        help_text="comma-separated, e.g. 2.2i/defaults, refcats",
        widget=_input(forms.TextInput),
    )
    output_prefix = forms.CharField(
        required=False,
        max_length=_max_length("output_prefix"),
        help_text="e.g. u/operator/dp02",
        widget=_input(forms.TextInput),
    )
    data_query = forms.CharField(
        required=False, help_text="e.g. instrument='LSSTCam-imSim' AND tract=3828", widget=_code(2)
    )
    pipeline = forms.CharField(
        required=False,
        max_length=_max_length("pipeline"),
        help_text="e.g. $DRP_PIPE_DIR/pipelines/LSSTCam-imSim/DRP-test-med-1.yaml",
        widget=_input(forms.TextInput),
    )
    release = _ReleaseChoiceField(required=False, empty_label="none yet", widget=_select())
    kind = forms.ChoiceField(
        choices=CampaignKind.choices,
        initial=CampaignKind.PRODUCTION,
        required=False,
        help_text="a mini run may run a weekly build or an unapproved release; it is never accepted as production",
        widget=_select(),
    )
    workflow_system = forms.ChoiceField(choices=WorkflowSystem.choices, initial=WorkflowSystem.PARSL, widget=_select())
    bps_template = forms.CharField(
        label="BPS template", required=False, max_length=bps_config.MAX_YAML_CHARS, help_text="YAML", widget=_code(8)
    )
    bps_overrides = forms.CharField(
        label="Overrides",
        required=False,
        max_length=bps_config.MAX_YAML_CHARS,
        help_text="YAML merged over the template",
        widget=_code(4),
    )
    steps = forms.CharField(
        help_text=STEPS_HELP,
        widget=_code(3),
    )
    compute_site = _ComputeSiteChoiceField(label="Compute site")
    max_running_groups = forms.IntegerField(
        label="Groups at once",
        required=False,
        min_value=1,
        max_value=MAX_RUNNING_GROUPS,
        help_text="at most this many of its submissions launched at once; empty: no limit of its own",
        widget=_input(forms.NumberInput),
    )

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or CampaignKind.PRODUCTION

    def clean_input_collections(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["input_collections"].split(",") if name.strip()]

    def clean_bps_template(self) -> str:
        return self._yaml_mapping("bps_template", "BPS template")

    def clean_bps_overrides(self) -> str:
        return self._yaml_mapping("bps_overrides", "overrides")

    def _yaml_mapping(self, field: str, what: str) -> str:
        text = self.cleaned_data[field]
        try:
            bps_config.parse_yaml_mapping(text, what)
        except bps_config.ConfigError as error:
            raise forms.ValidationError(str(error)) from None
        return text

    def clean_steps(self) -> list[dict]:
        return parse_steps(self.cleaned_data["steps"])


class SubmitForm(forms.Form):
    """Submit one step; the key is generated into the form, so that a double click gives one submission."""

    step = forms.IntegerField()
    idempotency_key = forms.CharField(max_length=100)


class RestartForm(forms.Form):
    idempotency_key = forms.CharField(max_length=100, required=False)


class CloneForm(forms.Form):
    """The copy's name and where it runs (the source's site is the initial choice); a post without the site field
    keeps the source's (``SAME_SITE``)."""

    name = forms.CharField(label="Name of the copy", max_length=_max_length("name"), widget=_input(forms.TextInput))
    compute_site = _ComputeSiteChoiceField(label="Runs at")

    def clean_compute_site(self):
        if self.add_prefix("compute_site") not in self.data:
            return SAME_SITE
        return self.cleaned_data["compute_site"]


class ReleaseChangeForm(forms.Form):
    """Move the campaign onto another release, named by its version; whether it may is the service's call."""

    release = forms.ModelChoiceField(
        queryset=Release.objects.all(), to_field_name="version", empty_label=None, widget=_select()
    )
    reason = forms.CharField(
        required=False,
        max_length=CampaignReleaseChange._meta.get_field("reason").max_length,
        widget=_input(forms.TextInput, placeholder="e.g. the patch fixes the flux calibration (DM-31234)"),
    )

    def __init__(self, *args, releases: list[Release] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if releases is not None:
            # What the page offers; a posted version is looked up among all, and the service says why not.
            self.fields["release"].choices = [(release.version, str(release)) for release in releases]


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=ARCHIVE_REASON_MAX_LENGTH,
        widget=_input(forms.TextInput, placeholder="e.g. superseded by DC2 RC7"),
    )


def offer_campaigns(form: forms.Form, *names: str) -> None:
    """Offer in the form's campaign (or step) fields the campaigns (steps of campaigns) not archived, and those the
    form was given (posted, or initial) even if archived (``CampaignQuerySet.pickable``): every app's pickers of
    campaigns call it."""
    for name in names:
        field = form.fields[name]
        if form.is_bound:
            given = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        else:
            given = form.initial.get(name) or field.initial
        given = given if isinstance(given, list | tuple) else [given]
        field.queryset = field.queryset.pickable(include=[value for value in given if value])


class CampaignDiffForm(forms.Form):
    left = forms.ModelChoiceField(queryset=Campaign.objects.order_by("name"), empty_label="choose", widget=_select())
    right = forms.ModelChoiceField(queryset=Campaign.objects.order_by("name"), empty_label="choose", widget=_select())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_campaigns(self, "left", "right")


class DataProductsForm(forms.Form):
    """A campaign's data products as CSV, ``dataset_type,count`` under that header: pasted, or a file chosen (which
    wins). ``text`` is what to parse (``services.products.parse_products_csv``)."""

    csv = LongTextField(
        label="Pasted CSV",
        required=False,
        max_length=CSV_MAX_CHARS,
        help_text="a header line dataset_type,count, then one product per line, e.g. calexp,3651777 (the count may "
        "be left empty)",
        widget=_code(6),
    )
    csv_file = forms.FileField(label="or a CSV file", required=False, widget=_input(forms.ClearableFileInput))

    def clean(self):
        data = super().clean()
        upload = data.get("csv_file")
        if upload:
            if upload.size > 4 * CSV_MAX_CHARS:
                raise forms.ValidationError(f"The file {upload.name!r} is larger than a CSV of data products.")
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(f"The file {upload.name!r} is not UTF-8 text.") from None
        elif data.get("csv", "").strip():
            data["text"] = data["csv"]
        elif not self.errors:
            raise forms.ValidationError("Paste the CSV (at least its header, to declare none) or choose its file.")
        return data


class GroupSubmitForm(forms.Form):
    """Submit one group of a split step; the key is generated into the form, so that a double click gives one
    submission."""

    idempotency_key = forms.CharField(max_length=100)


class StepSplitForm(forms.Form):
    """Split a step into groups, one of three ways (``services.groups.SPLIT_MODES``); what each way needs is asked
    here, whether the partition is sound is ``campaigns.partition``'s call."""

    mode = forms.ChoiceField(label="Split by", choices=list(SPLIT_MODES.items()), widget=_select())
    dimension = forms.CharField(
        required=False,
        max_length=100,
        help_text="for ranges and for a number of groups",
        widget=_input(forms.TextInput, placeholder="e.g. visit", spellcheck="false"),
    )
    ranges = forms.CharField(
        required=False,
        max_length=partition.RANGES_MAX_CHARS,
        help_text="for ranges: first-last or a single value, separated by commas",
        widget=_input(forms.TextInput, placeholder="e.g. 1-100, 101-200, 250", spellcheck="false"),
    )
    count = forms.IntegerField(
        label="Number of groups",
        required=False,
        min_value=1,
        max_value=partition.MAX_GROUPS,
        help_text="cut the dimension's values, as the Butler holds them for the step, into this many groups",
        widget=_input(forms.NumberInput),
    )
    groups = LongTextField(
        label="Groups",
        required=False,
        max_length=partition.LIST_MAX_CHARS,
        help_text="for a list: one group per line, “name: query” or just the query, e.g. "
        "north: visit >= 1001 AND visit <= 1500",
        widget=_code(4),
    )

    NEEDS = {"ranges": ("dimension", "ranges"), "count": ("dimension", "count"), "list": ("groups",)}

    def clean(self):
        data = super().clean()
        for name in self.NEEDS.get(data.get("mode"), ()):
            if name not in self.errors and data.get(name) in (None, ""):
                self.add_error(name, f"Needed to split by {data['mode']}.")
        return data


# The error types and rules (``campaigns.error_views``) ----------------------------------------------------------


class ErrorTypeForm(forms.Form):
    name = forms.CharField(
        max_length=ErrorType._meta.get_field("name").max_length,
        help_text="e.g. Out of memory",
        widget=_input(forms.TextInput),
    )
    origin = forms.ChoiceField(choices=ErrorOrigin.choices, help_text="who fixes it", widget=_select())
    description = LongTextField(
        required=False, max_length=text_limits.DESCRIPTION, widget=_input(forms.Textarea, rows=2)
    )


def _rule_max_length(field: str) -> int:
    return ErrorRule._meta.get_field(field).max_length


class ErrorRuleForm(forms.Form):
    """A rule as the services take it; whether its patterns may be used and its numbers fit its action is the
    service's call (``services.error_rules``), which names the field."""

    name = forms.CharField(max_length=_rule_max_length("name"), widget=_input(forms.TextInput))
    position = forms.IntegerField(
        min_value=0,
        max_value=error_rule_services.MAX_POSITION,
        initial=100,
        help_text="rules are tried from the lowest",
        widget=_input(forms.NumberInput),
    )
    task_pattern = forms.CharField(
        required=False,
        max_length=_rule_max_length("task_pattern"),
        strip=False,  # a pattern's spaces are part of it
        help_text="regular expression on the task label; empty: any task (bps's own error included)",
        widget=_input(forms.TextInput, spellcheck="false"),
    )
    message_pattern = forms.CharField(
        max_length=_rule_max_length("message_pattern"),
        strip=False,
        help_text="regular expression on the message, ignoring case, e.g. MemoryError|exit status 137",
        widget=_code(2),
    )
    error_type = forms.ModelChoiceField(
        queryset=ErrorType.objects.order_by("name"), empty_label="choose", widget=_select()
    )
    action = forms.ChoiceField(choices=ErrorAction.choices, widget=_select())
    max_retries = forms.IntegerField(
        min_value=0,
        max_value=error_rule_services.MAX_RETRIES,
        initial=0,
        help_text="for a retry or a restart",
        widget=_input(forms.NumberInput),
    )
    memory_multiplier = forms.FloatField(
        required=False,
        min_value=error_rule_services.MIN_MEMORY_MULTIPLIER,
        max_value=error_rule_services.MAX_MEMORY_MULTIPLIER,
        help_text="for a retry: the memory times this; empty: unchanged",
        widget=_input(forms.NumberInput, step="0.5"),
    )
    retry_after_seconds = forms.IntegerField(
        label="Wait (seconds)",
        min_value=0,
        max_value=error_rule_services.MAX_RETRY_AFTER_SECONDS,
        initial=0,
        help_text="before acting",
        widget=_input(forms.NumberInput),
    )
    release = _ReleaseChoiceField(required=False, empty_label="every release", widget=_select())
    expires_with = forms.ModelChoiceField(
        label="Expires with",
        queryset=BackportRequest.objects.select_related("target_release").order_by("rfc_id"),
        to_field_name="rfc_id",
        required=False,
        empty_label="never",
        help_text="the backport of the fix: once it ships, the rule no longer applies",
        widget=_select(),
    )
    active = forms.BooleanField(
        required=False, initial=True, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
