"""Create a small demo Butler repository for the demo pipeline.

    python -m console_stack.make_demo_repo REPO [--visits 2] [--detectors 4]

Creates REPO (SQLite registry, file datastore), registers DemoCam, inserts one
day_obs and ``--visits`` visit records, and puts one simulated ``demo_raw``
array (64x64, with a few outlier pixels) per visit and detector into the RUN
collection ``DemoCam/raw/all``, chained under ``DemoCam/defaults`` (the input
collection to give ``bps submit``).

The repository is built in a temporary sibling folder and renamed into place, so
REPO either does not exist or is complete. If REPO already holds a repository
(``butler.yaml``), nothing is done (exit 0); if REPO exists but is something
else, the command refuses (exit 2).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

import lsst.sphgeom as sphgeom
import numpy as np
from lsst.daf.butler import Butler, CollectionType, DatasetType
from lsst.resources import ResourcePath

from .instrument import DemoCam

INPUT_RUN = "DemoCam/raw/all"
INPUT_CHAIN = "DemoCam/defaults"
RAW_DATASET_TYPE = "demo_raw"
FIRST_VISIT = 1001
DAY_OBS = 20250601
SHAPE = (64, 64)


def simulated_raw(visit: int, detector: int) -> np.ndarray:
    """A reproducible readout: Gaussian noise around a level, plus some outlier pixels."""
    rng = np.random.default_rng(visit * 1000 + detector)
    level = 1000.0 + 10.0 * detector
    noise = 10.0 + detector
    raw = rng.normal(level, noise, size=SHAPE)
    n_outliers = 3 + (7 * detector + visit) % 11
    pixels = rng.choice(raw.size, size=n_outliers, replace=False)
    raw.flat[pixels] += rng.choice([-1.0, 1.0], size=n_outliers) * 20.0 * noise
    return raw


def detector_region(visit_index: int, detector: int) -> sphgeom.Region:
    """A 0.2 x 0.2 degree patch of sky per detector, in a 4-wide grid; visits are dithered."""
    ra = 150.0 + 0.2 * (detector % 4) + 0.05 * visit_index
    dec = 2.0 + 0.2 * (detector // 4)
    return sphgeom.Box(sphgeom.LonLat.fromDegrees(ra, dec), sphgeom.LonLat.fromDegrees(ra + 0.2, dec + 0.2))


def visit_region(visit_index: int) -> sphgeom.Region:
    ra = 150.0 + 0.05 * visit_index
    return sphgeom.Box(sphgeom.LonLat.fromDegrees(ra, 2.0), sphgeom.LonLat.fromDegrees(ra + 0.8, 2.8))


def build_repo(root: str, visits: int, detectors: int) -> None:
    # A folder name with a dot would otherwise be taken for a config file name.
    config = Butler.makeRepo(ResourcePath(root, forceDirectory=True))
    butler = Butler.from_config(config, writeable=True, run=INPUT_RUN)
    try:
        instrument = DemoCam()
        instrument.register(butler.registry)
        name = instrument.getName()
        registry = butler.registry
        registry.insertDimensionData("day_obs", {"instrument": name, "id": DAY_OBS})
        visit_ids = [FIRST_VISIT + i for i in range(visits)]
        registry.insertDimensionData(
            "visit",
            *[
                {
                    "instrument": name,
                    "id": visit,
                    "name": f"DC{visit}",
                    "physical_filter": DemoCam.PHYSICAL_FILTER,
                    "day_obs": DAY_OBS,
                    "seq_num": i + 1,
                    "exposure_time": 30.0,
                    "target_name": "demo-field",
                    "observation_reason": "science",
                    "science_program": "campaign-console-demo",
                    "region": visit_region(i),
                }
                for i, visit in enumerate(visit_ids)
            ],
        )
        # Quantum-graph generation over (visit, detector) needs the join rows.
        registry.insertDimensionData(
            "visit_detector_region",
            *[
                {"instrument": name, "visit": visit, "detector": detector, "region": detector_region(i, detector)}
                for i, visit in enumerate(visit_ids)
                for detector in range(detectors)
            ],
        )
        dataset_type = DatasetType(
            RAW_DATASET_TYPE,
            ("instrument", "visit", "detector"),
            "NumpyArray",
            universe=butler.dimensions,
        )
        registry.registerDatasetType(dataset_type)
        for visit in visit_ids:
            for detector in range(detectors):
                butler.put(
                    simulated_raw(visit, detector),
                    RAW_DATASET_TYPE,
                    instrument=name,
                    visit=visit,
                    detector=detector,
                )
        registry.registerCollection(INPUT_CHAIN, CollectionType.CHAINED)
        registry.setCollectionChain(INPUT_CHAIN, [INPUT_RUN])
    finally:
        butler.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console_stack.make_demo_repo", description=__doc__.split("\n")[0])
    parser.add_argument("repo", help="Folder of the repository to create.")
    parser.add_argument("--visits", type=int, default=2, help="Number of visits (default 2).")
    parser.add_argument(
        "--detectors", type=int, default=4, help=f"Detectors per visit, 1..{DemoCam.N_DETECTORS} (default 4)."
    )
    args = parser.parse_args(argv)
    if not 1 <= args.detectors <= DemoCam.N_DETECTORS:
        parser.error(f"--detectors must be between 1 and {DemoCam.N_DETECTORS}")
    if args.visits < 1:
        parser.error("--visits must be at least 1")

    repo = os.path.abspath(args.repo)
    if os.path.exists(os.path.join(repo, "butler.yaml")):
        print(f"{repo} already holds a Butler repository; nothing done.", file=sys.stderr)
        return 0
    if os.path.exists(repo):
        print(f"{repo} exists and is not a Butler repository; refusing to touch it.", file=sys.stderr)
        return 2

    parent = os.path.dirname(repo)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix="make-demo-repo-staging-", dir=parent)
    # mkdtemp makes the folder private; a repository is readable like any other folder.
    os.chmod(staging, 0o755)  # noqa: S103
    try:
        build_repo(staging, args.visits, args.detectors)
        os.rename(staging, repo)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(
        f"Created {repo}: instrument {DemoCam.getName()}, {args.visits} visits x {args.detectors} detectors "
        f"of {RAW_DATASET_TYPE} in {INPUT_RUN}; input collection {INPUT_CHAIN}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
