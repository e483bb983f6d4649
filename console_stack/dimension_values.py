"""The values a dimension takes in a Butler repository, for splitting a step into groups.

    python -m console_stack.dimension_values REPO DIMENSION [--where QUERY] [--collections A,B] [--instrument NAME]

Prints one JSON object, ``{"dimension": "visit", "values": [1001, 1002]}`` (sorted, each value once), and exits
0; exits 1 with a message on stderr when the Butler cannot answer (REPO unreadable, an unknown dimension, a query
it refuses), 2 on bad arguments.

- ``--where``: the step's data query, in the Butler's query language;
- ``--collections``: only values with a dataset in these collections (comma-separated; chains are followed):
  the data the step would read. Every dataset type found there whose dimensions include DIMENSION counts.
  Without it, every value the registry knows (a detector of the camera with no data in it too);
- ``--instrument``: the instrument a query like ``visit = 1001`` is about (a pipeline names it, and BPS gives it
  to the graph builder); by default the repository's only instrument, when it has one.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["dimension_values"]


class DimensionValuesError(Exception):
    """The Butler cannot say which values the dimension takes."""


def dimension_values(
    repo: str,
    dimension: str,
    *,
    where: str = "",
    collections: list[str] | None = None,
    instrument: str | None = None,
) -> list:
    """The sorted values of ``dimension`` among the data IDs that ``where`` selects (with a dataset in
    ``collections`` when given)."""
    from lsst.daf.butler import Butler
    from lsst.daf.butler.registry import RegistryDefaults

    try:
        butler = Butler.from_config(repo, writeable=False)
    except Exception as error:
        raise DimensionValuesError(f"cannot open the Butler repository {repo}: {error}") from error
    try:
        names = set(butler.dimensions.getStaticDimensions().names)
        if dimension not in names:
            known = ", ".join(sorted(names - set(butler.dimensions.skypix_dimensions.names)))
            raise DimensionValuesError(
                f"the repository has no dimension {dimension!r}; it has {known} and the sky pixelizations."
            )
        instrument = instrument or _only_instrument(butler)
        if instrument:
            butler.registry.defaults = RegistryDefaults(instrument=instrument)
        return sorted(_values(butler, dimension, where, collections or []))
    except DimensionValuesError:
        raise
    except Exception as error:
        # The Butler's own errors (a query it cannot read, a collection it does not have) say what is wrong.
        raise DimensionValuesError(f"{type(error).__name__}: {error}") from error
    finally:
        butler.close()


def _only_instrument(butler) -> str | None:
    names = [record.name for record in butler.registry.queryDimensionRecords("instrument")]
    return names[0] if len(names) == 1 else None


def _values(butler, dimension: str, where: str, collections: list[str]) -> set:
    values: set = set()
    with butler.query() as query:
        if not collections:
            return {row[dimension] for row in _where(query.data_ids([dimension]), where)}
        for dataset_type in _dataset_types_with(butler, dimension, collections):
            rows = query.join_dataset_search(dataset_type, collections).data_ids([dimension])
            values |= {row[dimension] for row in _where(rows, where)}
    return values


def _where(rows, where: str):
    return rows.where(where) if where.strip() else rows


def _dataset_types_with(butler, dimension: str, collections: list[str]) -> list[str]:
    """The dataset types found in the collections (their summaries, chains followed) whose data IDs hold the
    dimension."""
    names: set[str] = set()
    for info in butler.collections.query_info(collections, include_summary=True, flatten_chains=True):
        names |= set(info.dataset_types)
    return sorted(name for name in names if dimension in butler.get_dataset_type(name).dimensions.names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console_stack.dimension_values", description=__doc__.split("\n")[0]
    )
    parser.add_argument("repo", help="Path or URI of the Butler repository.")
    parser.add_argument("dimension", help="e.g. visit, detector, tract, exposure.")
    parser.add_argument("--where", default="", help="A data query, in the Butler's query language.")
    parser.add_argument("--collections", default="", help="Comma-separated collections the data must be in.")
    parser.add_argument("--instrument", default=None, help="Default: the repository's only instrument.")
    args = parser.parse_args(argv)
    collections = [name.strip() for name in args.collections.split(",") if name.strip()]
    try:
        values = dimension_values(
            args.repo, args.dimension, where=args.where, collections=collections, instrument=args.instrument
        )
    except DimensionValuesError as error:
        print(f"dimension_values: {error}", file=sys.stderr)
        return 1
    json.dump({"dimension": args.dimension, "values": values}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
