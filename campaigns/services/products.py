"""A campaign's data products: the dataset types it must deliver (declared by a person, from a CSV or through the
API), and the counts of what the Butler holds of them in the campaign's output runs (counted in the background
after each successful run, or when someone asks).

When a count (or a declaration) finds every declared product delivered and they were not before, the campaign
publishes ``events.data_products_delivered``: milestones waiting for it propose a status change."""

import csv
import io
import re
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from campaigns import events, products
from campaigns import permissions as may
from campaigns.models import Campaign, CampaignDataProduct, campaign_queue, lock_rows
from console.errors import Conflict, InvalidInput
from console.services import audit_record
from console.tasks import enqueue_on_commit
from console.text_limits import text_check

# A Butler dataset type name (without a component: "calexp", "deepCoadd_calexp", "cal_ref_cat_2_2").
DATASET_TYPE_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
DATASET_TYPE_MAX_LENGTH = 200  # CampaignDataProduct.dataset_type
MAX_PRODUCTS = 500
# The largest PositiveBigIntegerField.
MAX_COUNT = 2**63 - 1
# A CSV of MAX_PRODUCTS rows of the longest names and counts fits.
CSV_MAX_CHARS = MAX_PRODUCTS * (DATASET_TYPE_MAX_LENGTH + 22)
CSV_HEADER = ["dataset_type", "count"]

_DATASET_TYPE = re.compile(DATASET_TYPE_PATTERN)

Products = list[tuple[str, int | None]]


def parse_products_csv(text: str) -> Products:
    """The rows of a CSV ``dataset_type,count`` under that header (the count may be empty: not known), in order.

    Blank lines are skipped; ``InvalidInput`` names the line and the value of the first problem."""
    text_check(text, limit=CSV_MAX_CHARS, what="The CSV of data products")
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next((row for row in rows if any(cell.strip() for cell in row)), None)
    if header is None or [cell.strip().lower() for cell in header] != CSV_HEADER:
        shown = ",".join(header) if header else "(nothing)"
        raise InvalidInput(f"The first line must be the header dataset_type,count; it is {shown!r}.")
    parsed: Products = []
    lines = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        line = f"Line {rows.line_num}"
        if len(row) > 2:
            raise InvalidInput(f"{line}: {','.join(row)!r} has {len(row)} values; a row is dataset_type,count.")
        name = row[0].strip()
        count = row[1].strip() if len(row) == 2 else ""
        if count and not (count.isascii() and count.isdigit()):
            raise InvalidInput(f"{line}: the count {count!r} of {name!r} is not a whole number of 0 or more.")
        parsed.append((name, int(count) if count else None))
        lines.append(line)
    _check_declared(parsed, lines)
    return parsed


def _check_declared(declared: Products, places: list[str]) -> None:
    """At most MAX_PRODUCTS, each a dataset type name with a count of 0 or more (or None), each dataset type once;
    ``places[i]`` names the i-th in messages ("Line 7", "Product 3")."""
    if len(declared) > MAX_PRODUCTS:
        raise InvalidInput(f"{len(declared)} data products declared; at most {MAX_PRODUCTS} are.")
    first_place: dict[str, str] = {}
    for place, (name, count) in zip(places, declared, strict=True):
        if len(name) > DATASET_TYPE_MAX_LENGTH:
            raise InvalidInput(
                f"{place}: the dataset type {name[:40]!r}… has {len(name)} characters; at most "
                f"{DATASET_TYPE_MAX_LENGTH} fit."
            )
        if not _DATASET_TYPE.fullmatch(name):
            raise InvalidInput(
                f"{place}: the dataset type {name!r} is not a dataset type name (a letter, then letters, digits and _)."
            )
        if count is not None and not 0 <= count <= MAX_COUNT:
            raise InvalidInput(f"{place}: the expected count {count} of {name!r} is not between 0 and {MAX_COUNT}.")
        if name in first_place:
            raise InvalidInput(f"{place}: {name!r} is declared twice (also {first_place[name].lower()}).")
        first_place[name] = place


@transaction.atomic
def campaign_products_declare(
    *, actor: AbstractBaseUser, campaign: Campaign, products: Products
) -> list[CampaignDataProduct]:
    """Replace the campaign's declared data products by ``products`` (dataset type, expected count or None). The
    counts of the dataset types declared before are kept (they are what the Butler holds, whatever is expected)."""
    may.DECLARE_PRODUCTS.check(actor)
    declared = list(products)
    _check_declared(declared, [f"Product {index}" for index in range(1, len(declared) + 1)])
    campaign, _, _ = lock_rows(campaign_id=campaign.pk)
    existing = {product.dataset_type: product for product in campaign.data_products.all()}
    was_delivered = _all_delivered(existing.values())
    expected = dict(declared)
    removed = sorted(set(existing) - set(expected))
    changed = [
        product for name, product in existing.items() if name in expected and product.expected_count != expected[name]
    ]
    before = {name: existing[name].expected_count for name in removed} | {
        product.dataset_type: product.expected_count for product in changed
    }
    for product in changed:
        product.expected_count = expected[product.dataset_type]
    added = [
        CampaignDataProduct(campaign=campaign, dataset_type=name, expected_count=count)
        for name, count in declared
        if name not in existing
    ]
    CampaignDataProduct.objects.filter(campaign=campaign, dataset_type__in=removed).delete()
    CampaignDataProduct.objects.bulk_update(changed, ["expected_count"])
    CampaignDataProduct.objects.bulk_create(added)
    audit_record(
        actor=actor,
        action="campaign.data-products-declared",
        obj=campaign,
        before={"products": before} if before else None,
        after={
            "declared": len(declared),
            "products": {product.dataset_type: product.expected_count for product in changed + added},
            **({"removed": removed} if removed else {}),
        },
    )
    declared_now = list(campaign.data_products.all())
    _publish_when_delivered(campaign, was_delivered=was_delivered, now=declared_now)
    return declared_now


def campaign_products_count(*, campaign: Campaign, requested_at: datetime | None = None) -> list[CampaignDataProduct]:
    """Count what the Butler holds of each declared product in the campaign's output runs (``products.
    output_collections``) and store it. The system's work (a task), so no role is checked. The stack is asked
    outside any transaction; the counts are stored with the campaign locked, for the types still declared then.
    ``counted_at`` is when the count started: a count that started later (two runs ended together) and was stored
    first is not overwritten by this older one; and a count asked for (``requested_at``) before another started
    is not made at all."""
    declared = list(campaign.data_products.all())
    if (
        requested_at is not None
        and declared
        and all(product.counted_at is not None and product.counted_at > requested_at for product in declared)
    ):
        # A count that started after this one was asked for covers what it would count: many groups that end
        # together are counted a few times, not once each.
        return declared
    types = [product.dataset_type for product in declared]
    if not types:
        return []
    if not campaign.butler_repo:
        raise InvalidInput(f"{campaign} names no Butler repository to count its data products in.")
    started = timezone.now()
    collections = products.output_collections(campaign)
    counts = products.count_datasets(campaign.butler_repo, collections, types) if collections else {}
    asked = set(types)
    with transaction.atomic():
        campaign, _, _ = lock_rows(campaign_id=campaign.pk)
        declared = list(campaign.data_products.all())
        was_delivered = _all_delivered(declared)
        counted = [
            product
            for product in declared
            if product.dataset_type in asked and (product.counted_at is None or product.counted_at <= started)
        ]
        for product in counted:
            product.delivered_count = counts.get(product.dataset_type, 0)
            product.counted_at = started
        CampaignDataProduct.objects.bulk_update(counted, ["delivered_count", "counted_at"])
        _publish_when_delivered(campaign, was_delivered=was_delivered, now=declared)
    return declared


def _all_delivered(declared) -> bool:
    declared = list(declared)
    return bool(declared) and all(product.delivered for product in declared)


def _publish_when_delivered(campaign: Campaign, *, was_delivered: bool, now: list[CampaignDataProduct]) -> None:
    if was_delivered or not _all_delivered(now):
        return
    audit_record(
        actor=None,
        action="campaign.data-products-delivered",
        obj=campaign,
        after={product.dataset_type: product.delivered_count for product in now},
        system_actor="butler-count",
    )
    events.data_products_delivered.publish(campaign=campaign)


def count_products_on_commit(campaign: Campaign) -> None:
    """Enqueue the count of the campaign's data products once the current transaction commits. A broker that
    cannot be reached is logged; the next successful run, or "Count now", counts again."""
    from campaigns.tasks import count_campaign_products_task

    enqueue_on_commit(
        count_campaign_products_task,
        campaign.pk,
        timezone.now().isoformat(),
        what=f"the count of the data products of campaign {campaign.pk}",
        queue=campaign_queue(campaign),
    )


def campaign_products_count_request(*, actor: AbstractBaseUser, campaign: Campaign) -> None:
    """Someone asks for a count now: enqueued, as after a successful run."""
    may.DECLARE_PRODUCTS.check(actor)
    if not campaign.data_products.exists():
        raise Conflict(f"{campaign} declares no data products: declare them, then count.")
    if not campaign.butler_repo:
        raise Conflict(f"{campaign} names no Butler repository to count its data products in.")
    count_products_on_commit(campaign)


def products_count_after_run(campaign: Campaign) -> None:
    """A run of the campaign succeeded (``polling.submission_finish``): a campaign that declares data products has
    them counted once the run's end commits."""
    if campaign.data_products.exists():
        count_products_on_commit(campaign)
