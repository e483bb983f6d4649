"""What the campaigns app publishes for higher apps to react to (``console.events``)."""

from console.events import Event

# A campaign started its first submission: milestones waiting for it propose a status change.
campaign_started = Event("campaign.started", payload=("campaign", "actor"))
# A submission's run succeeded: QA reads its measurements.
submission_succeeded = Event("submission.succeeded", payload=("submission",))
# A step was accepted (through the QA gate): milestones waiting for it propose a status change.
step_accepted = Event("step.accepted", payload=("step", "actor"))
# Every data product a campaign declares is delivered (counted in its output runs), and was not before: milestones
# waiting for it propose a status change.
data_products_delivered = Event("campaign.data-products-delivered", payload=("campaign",))
