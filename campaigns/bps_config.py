"""The BPS configuration of a submission: the campaign's template, its fields, the step, the overrides.

Plain functions on text and dicts (no ORM), so that the page can show exactly
what will be submitted and the pre-flight check can say what is wrong with it.
"""

import copy

import yaml

from console import bounded

# Keys a BPS configuration must have for `bps submit` to build a quantum graph. BPS looks for a
# key in the `payload` section before the top level, so the payload's keys are set there.
REQUIRED_KEYS = ("pipelineYaml", "wmsServiceClass", "payload.butlerConfig", "payload.inCollection", "payload.outputRun")

WMS_SERVICE_CLASSES = {
    "parsl": "lsst.ctrl.bps.parsl.ParslService",
    "htcondor": "lsst.ctrl.bps.htcondor.HTCondorService",
    "panda": "lsst.ctrl.bps.panda.PanDAService",
}


# BPS's own default of ``requestMemory`` (MB), when the configuration names none.
BPS_DEFAULT_MEMORY_MB = 2048


def _scale_memory(section: dict, factor: float, *, top: bool = False) -> None:
    for key, value in section.items():
        if isinstance(value, dict):
            _scale_memory(value, factor)
        elif key == "requestMemory" and not top:
            section[key] = round(_number(value, BPS_DEFAULT_MEMORY_MB) * factor)


def _number(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


# The longest template or overrides a campaign may have (bounded in depth and aliases by console.bounded too).
MAX_YAML_CHARS = 100_000


class ConfigError(ValueError):
    """The template or the overrides are not valid YAML mappings; the message says where."""


def parse_yaml_mapping(text: str, what: str) -> dict:
    """The mapping a YAML text holds; bounded in depth and in what its aliases expand to (console.bounded)."""
    if not text.strip():
        return {}
    try:
        value = bounded.yaml_safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"The {what} is not valid YAML: {error}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"The {what} must be a YAML mapping (key: value lines), not {type(value).__name__}.")
    return value


def deep_merge(base: dict, over: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def render(
    *,
    template: str,
    overrides: str,
    workflow_system: str,
    pipeline: str,
    butler_repo: str,
    input_collections: list[str],
    data_query: str,
    output_run: str,
    step_name: str,
    pipeline_subset: str = "",
    step_overrides: str = "",
    memory_factor: float = 1.0,
    site: dict | None = None,
) -> str:
    """The YAML text to submit: template < campaign and step fields (and its compute site: ``site_section``) <
    campaign overrides < step overrides; with a
    ``memory_factor`` (a retry with more memory), each job's ``requestMemory`` multiplied by it."""
    top_level = {
        "pipelineYaml": f"{pipeline}{pipeline_subset}" if pipeline_subset.startswith("#") else pipeline,
        "wmsServiceClass": WMS_SERVICE_CLASSES[workflow_system],
        "campaign": step_name,
    }
    payload = {
        "butlerConfig": butler_repo,
        "inCollection": ",".join(input_collections),
        "dataQuery": data_query,
        "output": output_run.rsplit("/", 1)[0],
        "outputRun": output_run,
    }
    fields = {key: value for key, value in top_level.items() if value}
    fields["payload"] = {key: value for key, value in payload.items() if value}
    if site:
        # The campaign's compute site (``site_section``): over the template's, under the overrides.
        fields["computeSite"] = site["name"]
        fields["site"] = {site["name"]: site["settings"]}
    merged = deep_merge(
        deep_merge(parse_yaml_mapping(template, "BPS template"), fields),
        parse_yaml_mapping(overrides, "campaign's BPS overrides"),
    )
    merged = deep_merge(merged, parse_yaml_mapping(step_overrides, "step's BPS overrides"))
    if memory_factor != 1.0:
        merged["requestMemory"] = round(_number(merged.get("requestMemory"), BPS_DEFAULT_MEMORY_MB) * memory_factor)
        # A task's or a cluster's own requestMemory (pipetask.<label>, cluster.<name>, finalJob) wins over the
        # top-level one: each is multiplied as well.
        _scale_memory(merged, memory_factor, top=True)
    return yaml.safe_dump(merged, sort_keys=False, default_flow_style=False)


# ctrl_bps_parsl's Slurm site with the submit host's address and a worker pool per node (console_stack/sites.py).
SLURM_SITE_CLASS = "console_stack.sites.Slurm"
# The Slurm comment of a submission's pilot jobs, followed by its number.
SUBMISSION_COMMENT_PREFIX = "console-submission-"


def site_section(
    *,
    name: str,
    kind: str,
    partition: str = "",
    nodes: int = 1,
    cores_per_node: int | None = None,
    walltime: str = "01:00:00",
    account: str = "",
    memory_per_node_gb: int | None = None,
    address: str = "",
    submission_number: int | str = "",
) -> dict | None:
    """The ``site`` section of a compute site, for ``render``: a Slurm site's pilot jobs (``console_stack.sites.Slurm``,
    ctrl_bps_parsl's with the submit host's ``address``: nodes, cores per node, a quoted walltime, the account, memory
    per node in GB, the partition and the submission's tag as ``#SBATCH`` lines); None for a local site (the
    template's ``site`` stands)."""
    if kind != "slurm":
        return None
    settings = {"class": SLURM_SITE_CLASS, "nodes": nodes, "walltime": walltime}
    if cores_per_node:
        settings["cores_per_node"] = cores_per_node
    if account:
        settings["account"] = account
    if memory_per_node_gb:
        settings["mem_per_node"] = memory_per_node_gb
    # The pilot jobs are named after the workflow, the same for every run of a campaign: the comment tags them with
    # the submission, for the poller to record their ids and cancel to find them (campaigns/workflow/slurm.py).
    options = [f"#SBATCH --partition={partition}"] if partition else []
    if submission_number != "":
        options.append(f"#SBATCH --comment={SUBMISSION_COMMENT_PREFIX}{submission_number}")
    if options:
        settings["scheduler_options"] = "\n".join(options)
    if address:
        # Where the nodes reach the submit host's interchange.
        settings["address"] = address
    # Each job writes its exit status last in its log, as the local site's do (run_status reads it).
    settings["commandPrefix"] = """trap 'echo "console-stack: exit status $?" >&2' EXIT"""
    settings["retries"] = 0
    return {"name": name, "settings": settings}


# What the console sets for each submission, which a step's overrides may not replace: a group's slice, its output
# run, the repository and the inputs.
CONSOLE_OWNED_PAYLOAD_KEYS = ("butlerConfig", "inCollection", "dataQuery", "output", "outputRun")


def console_owned_keys(overrides: dict) -> list[str]:
    """The keys of a step's overrides that the console sets itself (``payload.<key>``, or the key at the top)."""
    payload = overrides.get("payload") if isinstance(overrides.get("payload"), dict) else {}
    return [key for key in CONSOLE_OWNED_PAYLOAD_KEYS if key in payload or key in overrides]


def missing_keys(rendered: str) -> list[str]:
    config = parse_yaml_mapping(rendered, "rendered BPS configuration")

    def lookup(dotted: str):
        value = config
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    return [key for key in REQUIRED_KEYS if not lookup(key)]
