"""A milestone as a source (an imported table, a Jira issue) gives it: the unit of every upsert."""

from dataclasses import dataclass, fields
from datetime import date
from enum import Enum
from typing import ClassVar

from console.identifiers import JIRA_KEY


class Keep(Enum):
    """The value of a field the source does not give: the milestone keeps what it has."""

    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class MilestoneRow:
    """One milestone from a source. A field left at ``KEEP`` is not touched by the upsert
    (and takes the model's default when the milestone is new)."""

    jira_key: str
    project_id: str | Keep = KEEP
    title: str | Keep = KEEP
    due_date: date | None | Keep = KEEP
    level: int | None | Keep = KEEP
    status: str | Keep = KEEP
    team: str | Keep = KEEP
    forecast_date: date | None | Keep = KEEP
    completed_date: date | None | Keep = KEEP
    description: str | Keep = KEEP
    # The user name of the person who answers for it ("" for nobody), read as the user by the upsert.
    owner: str | Keep = KEEP

    OPTIONAL: ClassVar[tuple[str, ...]] = (
        "project_id",
        "title",
        "due_date",
        "level",
        "status",
        "team",
        "forecast_date",
        "completed_date",
        "description",
        "owner",
    )

    def __post_init__(self) -> None:
        # Every source (a table, Jira, a command) makes rows: none holds a key that cannot be in a URL.
        if problem := JIRA_KEY.problem(self.jira_key):
            raise ValueError(f"the key {problem}")

    def values(self) -> dict:
        """The fields the source gave, by name (not the Jira key)."""
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if item.name != "jira_key" and getattr(self, item.name) is not KEEP
        }
