"""Events: a lower app publishes, the higher apps that subscribed in their AppConfig.ready react."""

import pytest

from campaigns import events as campaign_events
from console.events import Event
from releases import events as release_events


def test_a_handler_gets_the_payload_and_subscribing_twice_calls_it_once():
    seen = []
    event = Event("thing.happened", payload=("thing",))

    def handler(*, thing):
        seen.append(thing)

    event.subscribe(handler)
    event.subscribe(handler)
    event.publish(thing=1)

    assert seen == [1]


def test_it_refuses_a_publication_with_another_payload():
    event = Event("thing.happened", payload=("thing",))

    with pytest.raises(TypeError, match="thing.happened carries thing; got other"):
        event.publish(other=1)


def test_a_handler_that_fails_fails_the_publication():
    event = Event("thing.happened", payload=("thing",))

    def broken(*, thing):
        raise RuntimeError("no")

    event.subscribe(broken)
    with pytest.raises(RuntimeError):
        event.publish(thing=1)


def test_the_higher_apps_subscribe_at_start():
    handlers = {
        event.name: [f"{handler.__module__}.{handler.__name__}" for handler in event._handlers]
        for event in (
            campaign_events.submission_succeeded,
            campaign_events.campaign_started,
            campaign_events.step_accepted,
            release_events.release_approved,
        )
    }

    assert handlers == {
        "submission.succeeded": ["qa.tasks.ingest_metrics_on_commit"],
        "campaign.started": ["milestones.services.evidence.on_campaign_started"],
        "step.accepted": ["milestones.services.evidence.on_step_accepted"],
        "release.approved": ["milestones.services.evidence.on_release_approved"],
    }
