"""The baseline of ``read_metrics`` in ``bench.stack``, run in the stack's environment:

    PYTHONPATH=. .stack-venv/bin/python -m bench.metadata_reads REPO RUN

A plain loop of Butler reads of the same datasets ``console_stack.read_metrics`` reads: the Butler opened as it
opens it, every ``<label>_metadata`` dataset of RUN found with ``query_datasets`` and read with ``butler.get``;
nothing done with what is read. Prints the number of datasets read.
"""

import sys


def read_all(repo: str, run: str) -> int:
    from lsst.daf.butler import Butler

    butler = Butler.from_config(repo, collections=[run])
    read = 0
    try:
        for dataset_type in butler.registry.queryDatasetTypes("*_metadata"):
            for ref in butler.query_datasets(dataset_type, collections=run, explain=False):
                butler.get(ref)
                read += 1
    finally:
        butler.close()
    return read


if __name__ == "__main__":
    print(read_all(*sys.argv[1:3]))
