"""What the releases app publishes for higher apps to react to (``console.events``)."""

from console.events import Event

# A release was approved (by a pipeline-version decision): milestones waiting for it propose a status change.
release_approved = Event("release.approved", payload=("release", "actor"))
