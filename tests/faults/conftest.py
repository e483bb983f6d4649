"""The fault suite runs campaigns against the stand-in `bps`: the campaigns tests' fixtures for that."""

from tests.campaigns.conftest import butler_repo, fake_stack, make_ready_campaign, ready_campaign

__all__ = ["butler_repo", "fake_stack", "make_ready_campaign", "ready_campaign"]
