"""Talking to the workflow system: one interface, one implementation per kind of WMS.

``adapter_for(campaign)`` gives the adapter of a campaign's workflow system.
Adapters run the stack's ``bps`` (and ``console_stack`` entry points) as
subprocesses in the stack's own environment; nothing here imports the stack.
"""

from campaigns.choices import WorkflowSystem
from campaigns.workflow.base import Launch, RunState, StackCommandError, WorkflowAdapter
from campaigns.workflow.local import LocalParslAdapter
from campaigns.workflow.wms import ServiceWmsAdapter


def adapter_for(workflow_system: str) -> WorkflowAdapter:
    if workflow_system == WorkflowSystem.PARSL:
        return LocalParslAdapter()
    return ServiceWmsAdapter(workflow_system)


__all__ = ["Launch", "RunState", "StackCommandError", "WorkflowAdapter", "adapter_for"]
