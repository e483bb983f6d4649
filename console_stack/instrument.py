"""DemoCam: a tiny instrument of our own, so a Butler repository has data IDs.

Register it with ``butler register-instrument REPO console_stack.instrument.DemoCam``
(``make_demo_repo`` does the same through the Python API). Registration inserts
the instrument, one physical filter and ``DemoCam.N_DETECTORS`` detector records;
visits are inserted by ``make_demo_repo``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsst.pipe.base import Instrument
from lsst.utils.introspection import get_full_type_name

if TYPE_CHECKING:
    from lsst.daf.butler import DataId, Formatter, Registry

__all__ = ["DemoCam"]


class DemoCam(Instrument):
    """A made-up camera with a handful of detectors and a single filter."""

    N_DETECTORS = 16
    PHYSICAL_FILTER = "demo-r"
    BAND = "r"

    @classmethod
    def getName(cls) -> str:
        return "DemoCam"

    def register(self, registry: Registry, *, update: bool = False) -> None:
        name = self.getName()
        with registry.transaction():
            registry.syncDimensionData(
                "instrument",
                {
                    "name": name,
                    "detector_max": self.N_DETECTORS,
                    "visit_max": 1_000_000,
                    "exposure_max": 1_000_000,
                    "class_name": get_full_type_name(self),
                },
                update=update,
            )
            registry.syncDimensionData(
                "physical_filter",
                {"instrument": name, "name": self.PHYSICAL_FILTER, "band": self.BAND},
                update=update,
            )
            for detector in range(self.N_DETECTORS):
                registry.syncDimensionData(
                    "detector",
                    {
                        "instrument": name,
                        "id": detector,
                        "full_name": f"D{detector:02d}",
                        "name_in_raft": f"S{detector % 4}",
                        "raft": f"R{detector // 4}",
                        "purpose": "SCIENCE",
                    },
                    update=update,
                )

    def getRawFormatter(self, dataId: DataId) -> type[Formatter]:
        # The demo has no raw files to ingest: its inputs are put as arrays.
        raise NotImplementedError("DemoCam has no raw files; inputs are put by console_stack.make_demo_repo.")
