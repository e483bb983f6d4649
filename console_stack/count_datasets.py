"""Count the datasets of some dataset types in some RUN collections: what a campaign delivered so far.

    python -m console_stack.count_datasets REPO --collections A,B,... --types t1,t2,...

``--collections`` may be given several times (the console splits a long list over several arguments, each
under the kernel's limit on one argument's length). Prints one JSON object and exits 0::

    {"counts": {"t1": 8, "t2": 0}, "missing_collections": ["B"], "unregistered_types": ["t2"]}

- a dataset type the repository does not know counts 0 (and is listed in ``unregistered_types``);
- a collection the repository does not have is left out (and listed in ``missing_collections``).

One query per dataset type over all the collections at once, counted by the registry (no dataset is read).
``find_first=False``: every dataset belongs to exactly one RUN collection, so over distinct RUN collections no
dataset is counted twice, and the count is a plain COUNT. A find-first search would also drop a data ID found
again in a later collection, at the price of ranking every row by collection; the console gives one RUN per
group (its newest successful run) and groups partition the data, so there is nothing for it to drop. (A data
ID processed by two of the given runs would be counted twice.)

Exit 1 with a message on stderr when REPO cannot be read; 2 on bad arguments. Imports nothing of Django.
"""

from __future__ import annotations

import argparse
import json
import sys


def _names(values: list[str] | None) -> list[str]:
    """The comma-separated names of repeated arguments, in order, each once, blanks dropped."""
    names: dict[str, None] = {}
    for value in values or []:
        for name in value.split(","):
            if name.strip():
                names[name.strip()] = None
    return list(names)


def count_datasets(repo: str, collections: list[str], dataset_types: list[str]) -> dict:
    """The count of each dataset type's datasets in the collections of REPO that exist."""
    from lsst.daf.butler import Butler, MissingCollectionError, MissingDatasetTypeError

    butler = Butler.from_config(repo)
    try:
        try:
            existing = set(butler.collections.query(collections)) if collections else set()
        except MissingCollectionError:
            # One name at a time only when some are missing: the usual case costs one query.
            existing = set()
            for name in collections:
                try:
                    butler.collections.get_info(name)
                except MissingCollectionError:
                    continue
                existing.add(name)
        present = [name for name in collections if name in existing]
        counts: dict[str, int] = {}
        unregistered: list[str] = []
        for name in dataset_types:
            try:
                butler.get_dataset_type(name)
            except MissingDatasetTypeError:
                unregistered.append(name)
                counts[name] = 0
                continue
            if not present:
                counts[name] = 0
                continue
            with butler.query() as query:
                counts[name] = query.datasets(name, present, find_first=False).count(exact=True)
    finally:
        butler.close()
    return {
        "counts": counts,
        "missing_collections": [name for name in collections if name not in existing],
        "unregistered_types": unregistered,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console_stack.count_datasets", description=__doc__.split("\n")[0])
    parser.add_argument("repo", help="Path or URI of the Butler repository.")
    parser.add_argument("--collections", action="append", help="RUN collections, comma-separated (may be repeated).")
    parser.add_argument("--types", action="append", required=True, help="Dataset types, comma-separated.")
    args = parser.parse_args(argv)
    dataset_types = _names(args.types)
    if not dataset_types:
        parser.error("--types names no dataset type")
    try:
        result = count_datasets(args.repo, _names(args.collections), dataset_types)
    except Exception as error:  # noqa: BLE001 - reported to the console as one message
        print(f"cannot count datasets in {args.repo}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
