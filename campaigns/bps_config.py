"""The BPS configuration of a submission: the campaign's template, its fields, the step, the overrides.

Plain functions on text and dicts (no ORM), so that the page can show exactly
what will be submitted and the pre-flight check can say what is wrong with it.
"""

import copy

import yaml

# Keys a BPS configuration must have for `bps submit` to build a quantum graph.
REQUIRED_KEYS = ("pipelineYaml", "butlerConfig", "inCollection", "outputRun", "wmsServiceClass")

WMS_SERVICE_CLASSES = {
    "parsl": "lsst.ctrl.bps.parsl.ParslService",
    "htcondor": "lsst.ctrl.bps.htcondor.HTCondorService",
    "panda": "lsst.ctrl.bps.panda.PanDAService",
}


class ConfigError(ValueError):
    """The template or the overrides are not valid YAML mappings; the message says where."""


def parse_yaml_mapping(text: str, what: str) -> dict:
    if not text.strip():
        return {}
    try:
        value = yaml.safe_load(text)
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
    step_query: str = "",
) -> str:
    """The YAML text to submit: template < campaign and step fields < campaign overrides."""
    fields = {
        "pipelineYaml": f"{pipeline}{pipeline_subset}" if pipeline_subset.startswith("#") else pipeline,
        "butlerConfig": butler_repo,
        "inCollection": ",".join(input_collections),
        "dataQuery": step_query or data_query,
        "outputRun": output_run,
        "output": output_run.rsplit("/", 1)[0],
        "wmsServiceClass": WMS_SERVICE_CLASSES[workflow_system],
        "operator": "console",
        "campaign": step_name,
    }
    merged = deep_merge(
        deep_merge(parse_yaml_mapping(template, "BPS template"), {k: v for k, v in fields.items() if v}),
        parse_yaml_mapping(overrides, "campaign's BPS overrides"),
    )
    return yaml.safe_dump(merged, sort_keys=False, default_flow_style=False)


def missing_keys(rendered: str) -> list[str]:
    config = parse_yaml_mapping(rendered, "rendered BPS configuration")
    return [key for key in REQUIRED_KEYS if not config.get(key)]
