"""A campaign's data products: counting them in the Butler (the stack's ``console_stack.count_datasets``), and what
the campaign page shows of them. The declaration and the stored counts are written by
``campaigns.services.products``."""

import logging
from dataclasses import dataclass
from datetime import datetime

from campaigns import preflight
from campaigns.models import Campaign, CampaignDataProduct
from campaigns.workflow.base import run_stack_json

logger = logging.getLogger(__name__)

# The kernel refuses one argument longer than 128 KiB (MAX_ARG_STRLEN): a long list of collections goes over
# several ``--collections`` arguments, each well under it.
COLLECTIONS_PER_ARGUMENT_CHARS = 64_000


def count_datasets(repo: str, collections: list[str], types: list[str]) -> dict[str, int]:
    """How many datasets of each type the Butler repository holds in these RUN collections (a type it does not
    know: 0; a collection it does not have is left out). Raises ``StackCommandError`` when the stack cannot say."""
    arguments = []
    for chunk in _chunks(collections):
        arguments.append(f"--collections={','.join(chunk)}")
    result = run_stack_json("console_stack.count_datasets", repo, *arguments, f"--types={','.join(types)}")
    if result.get("missing_collections"):
        logger.warning("counting in %s: no collection %s", repo, ", ".join(result["missing_collections"]))
    counts = result["counts"]
    return {name: int(counts.get(name, 0)) for name in types}


def _chunks(names: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    size = COLLECTIONS_PER_ARGUMENT_CHARS
    for name in names:
        if size + len(name) + 1 > COLLECTIONS_PER_ARGUMENT_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(name)
        size += len(name) + 1
    return chunks


def output_collections(campaign: Campaign) -> list[str]:
    """The campaign's output: the RUN collection of the newest successful submission of each step (of each group,
    for a step split into groups), as a later step reads them (``preflight.newest_successful_runs``). An older
    success of the same step or group was redone, and is not counted."""
    return sorted({run for _, run in preflight.newest_successful_runs(campaign.pk)})


@dataclass
class DataProducts:
    """What the campaign page and the API show: the declared products, how many are delivered, the newest count."""

    products: list[CampaignDataProduct]
    delivered: int
    counted_at: datetime | None

    @property
    def declared(self) -> int:
        return len(self.products)

    @property
    def all_delivered(self) -> bool:
        return bool(self.products) and self.delivered == self.declared


def data_products(campaign: Campaign) -> DataProducts:
    products = list(campaign.data_products.order_by("dataset_type"))
    counted = [product.counted_at for product in products if product.counted_at is not None]
    return DataProducts(
        products=products,
        delivered=sum(product.delivered for product in products),
        counted_at=max(counted, default=None),
    )
