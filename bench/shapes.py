"""What the generated history looks like: sizes at a scale factor, and the fixed vocabulary (names, tasks, tags).

At scale 1 (issue 7): 20 campaigns, 50 steps, 2,000 submissions whose per-task
counts add up to 200,000 jobs, 5,000,000 QA measurements over 200 metrics,
1,000 milestones with their history, 300 decisions with their votes. Smaller
scales keep a floor of every kind of row, so that every page has something of
each kind to show and the probe database (bench/run.py) exercises the same code
paths as the full one.
"""

from dataclasses import dataclass

SEED = 20261129


@dataclass(frozen=True)
class Plan:
    scale: float
    campaigns: int
    steps: int
    submissions: int
    jobs: int
    measurements: int
    metrics: int
    milestones: int
    decisions: int
    releases: int
    jira_syncs: int

    @classmethod
    def at(cls, scale: float) -> "Plan":
        if scale <= 0:
            raise ValueError("the scale factor must be positive")
        campaigns = max(4, round(20 * scale))
        steps = max(campaigns + 4, round(50 * scale))
        submissions = max(4 * steps, round(2_000 * scale))
        return cls(
            scale=scale,
            campaigns=campaigns,
            steps=steps,
            submissions=submissions,
            jobs=max(40 * submissions, round(200_000 * scale)),
            measurements=max(20_000, round(5_000_000 * scale)),
            metrics=max(30, round(200 * scale)),
            milestones=max(20, round(1_000 * scale)),
            decisions=max(12, round(300 * scale)),
            releases=max(6, round(16 * scale)),
            jira_syncs=max(12, round(2_000 * scale)),
        )


# Steps of a reprocessing campaign (after the DP0.2 pipelines): the task labels of each and the data ID
# kind of their quanta, which gives the QA measurements their tags.
STEP_KINDS = (
    ("#step1", ("isr", "characterizeImage", "calibrate", "writeSourceTable", "transformSourceTable"), "visit"),
    ("#step2", ("consolidateSourceTable", "consolidateVisitSummary", "isolatedStarAssociation"), "visit"),
    ("#step3", ("makeWarp", "assembleCoadd", "detection", "deblend", "measure", "forcedPhotCoadd"), "patch"),
    ("#step4", ("forcedPhotCcd", "imageDifference", "transformDiaSourceCat"), "visit"),
    ("#step5", ("consolidateDiaSourceTable", "drpAssociation", "drpDiaCalculation"), "tract"),
    ("#step6", ("makeAnalysisTables", "analyzeObjectTableCore", "analyzeMatchedVisitCore"), "tract"),
)

# Task metrics (besides resources.<task>.run_time / run_time_cpu / max_rss): key, unit, centre, spread,
# higher_is_better.
TASK_METRIC_KEYS = (
    ("psfSigma", "pixel", 1.8, 0.15, False),
    ("skyBackground", "adu", 1210.0, 90.0, False),
    ("zeropoint", "mag", 31.4, 0.08, True),
    ("astromOffsetMean", "mas", 12.0, 3.0, False),
    ("photoCalibScatter", "mmag", 9.5, 1.4, False),
    ("nSources", "count", 2400.0, 500.0, True),
    ("matchedRms", "mas", 18.0, 4.0, False),
    ("outlierFraction", "", 0.012, 0.004, False),
)

BANDS = ("u", "g", "r", "i", "z", "y")
DETECTORS = 189
TRACTS = (3828, 3829, 3830, 4024, 4025, 4026, 4027, 4028, 4029, 4030, 4031, 4225, 4226, 4227, 4228, 4229)
PATCHES = 49
INSTRUMENT = "LSSTCam-imSim"
SKYMAP = "DC2_cells_v1"

DATASETS = (
    ("DC2 test-med-1", "/repo/dc2", "2.2i/runs/test-med-1/w_2022_03"),
    ("DC2 RC2", "/repo/dc2", "2.2i/defaults/rc2"),
    ("HSC RC2", "/repo/main", "HSC/runs/RC2/w_2025_10"),
    ("DP0.2", "/repo/dp02", "2.2i/runs/DP0.2/v23_0_1"),
    ("ComCam commissioning", "/repo/embargo", "LSSTComCam/runs/DRP/20241101"),
    ("LSSTCam-imSim w.2025", "/repo/dc2", "2.2i/runs/w_2025"),
)

TEAMS = (
    "Middleware",
    "Science Pipelines",
    "Data Facility",
    "Verification & Validation",
    "Commissioning",
    "Camera",
    "Telescope & Site",
    "System Performance",
)
TEAM_CODES = ("MW", "SP", "DF", "VV", "CM", "CA", "TS", "SY")

MILESTONE_TITLES = (
    "{dataset} processed end to end",
    "QA of {dataset} signed off",
    "Release {release} validated on {dataset}",
    "Data preview of {dataset} ready",
    "Operations rehearsal {n} complete",
    "Batch production services ready for {dataset}",
    "Pipelines performance review {n}",
    "Alert production latency test {n}",
)

FAILURE_MESSAGES = (
    "lsst.pipe.base.NoWorkFound: No good sources found for PSF determination.",
    "RuntimeError: Unable to determine a WCS: only 3 matches found (minimum 5).",
    "MemoryError: could not allocate 2.1 GiB for the deblender footprints.",
    "lsst.daf.butler.registry.MissingCollectionError: No collection with name 'refcats/gaia_dr3'.",
    "TimeoutError: the job exceeded its 12 h wall-clock limit on the batch system.",
    "ValueError: All pixels masked: cannot compute the background.",
)

BPS_TEMPLATE = """\
pipelineYaml: "${{DRP_PIPE_DIR}}/pipelines/LSSTCam-imSim/DRP-test-med-1.yaml{subset}"
wmsServiceClass: lsst.ctrl.bps.{plugin}.{service}
computeSite: {site}
requestMemory: {memory}
requestCpus: 1
numberOfRetries: 3
retryUnlessExit: [2]
project: {project}
campaign: "{campaign}"
payload:
  payloadName: {payload}
  butlerConfig: {repo}
  inCollection: {collections}
  dataQuery: "{query}"
  output: "{output}"
clusterAlgorithm: lsst.ctrl.bps.quantum_clustering_funcs.dimension_clustering
cluster:
  visit_detector:
    pipetasks: isr,characterizeImage,calibrate
    dimensions: visit,detector
    equalDimensions: visit:exposure
site:
  {site}:
    profile:
      condor:
        +Walltime: {walltime}
        priority: {priority}
"""
