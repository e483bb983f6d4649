"""Reading JSON and YAML that came from outside, with bounds on how deep and how large it may grow.

Python's ``json`` decoder and PyYAML's composer recurse once per level of nesting: a request body of a
thousand nested lists is a ``RecursionError`` (a 500) deep inside them. YAML also has aliases, with
which a few lines expand into billions of nodes ("billion laughs") once merged or dumped. Every place
that parses text sent by a user goes through these functions; they raise ``ValueError`` naming the
problem, which the caller turns into its 400 or form error.

Nothing the console takes in nests deeper than a few levels (a campaign with its steps is three; a BPS
configuration five or six), so the bounds are far above any real input and far below the recursion limit.
"""

import json
import math
from datetime import date, datetime
from typing import Any

import yaml

MAX_DEPTH = 32
# The nodes a YAML document may expand to, aliases counted each time they are used.
MAX_YAML_NODES = 10_000

# The dates a person may give (a due date, a deadline, a report's day): far beyond any real one, and far from
# the ends of Python's calendar (years 1 and 9999), where a report's "due within 90 days" or a chart's "the day
# before the first" overflows.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
# The same as a JSON Schema pattern on an ISO date's text (OpenAPI 3.0 has no bounds for a date).
DATE_PATTERN = r"^(19[0-9]{2}|2[0-9]{3})-"


class TooComplex(ValueError):
    """The text nests deeper, or expands further, than the console accepts."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is beyond the range of a double-precision number")
    return value


def _inspect(value: Any, max_depth: int) -> None:
    """Raise ``ValueError`` if a parsed JSON value nests deeper than ``max_depth`` or holds a lone surrogate.

    ``json`` reads ``"\\ud800"`` (half of a UTF-16 pair) into a ``str`` that no database and no UTF-8 text can
    hold: PostgreSQL's driver fails on it (a 500), SQLite stores ``?``. Walked without recursing.
    """
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    f"the text {item[:40]!r} holds a lone UTF-16 surrogate, which is not a character"
                ) from None
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > max_depth:
            raise TooComplex(f"it nests lists and objects deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, str | dict | list))


def json_loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Strict JSON nesting at most ``max_depth`` levels: no NaN or Infinity, no number beyond a double, no
    lone surrogate in a string.

    Raises ``ValueError`` (``json.JSONDecodeError`` or ``TooComplex``) whose message says what is wrong.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        # The decoder gave up before the end: deeper than it can go, so far deeper than max_depth.
        raise TooComplex(f"it nests lists and objects deeper than {max_depth} levels") from None
    _inspect(value, max_depth)
    return value


class _BoundedSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a document that nests too deep or expands too far through aliases."""

    def __init__(self, stream, *, max_depth: int, max_nodes: int):
        super().__init__(stream)
        self._max_depth = max_depth
        self._max_nodes = max_nodes
        self._depth = 0
        self._weights: dict[int, int] = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._weights:
                mark = node.start_mark
                raise yaml.composer.ComposerError(None, None, "uses an alias inside its own anchor", mark)
            return node
        if self._depth >= self._max_depth:
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, f"nests deeper than {self._max_depth} levels", mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._weigh(node)
        return node

    def _weigh(self, node: yaml.Node) -> None:
        """Note the node's size with every alias in it expanded: what merging or dumping it would build."""
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = []
        weight = 1 + sum(self._weights[id(child)] for child in children)
        if weight > self._max_nodes:
            problem = f"expands to more than {self._max_nodes:,} values (each use of an alias counted)"
            raise yaml.composer.ComposerError(None, None, problem, node.start_mark)
        self._weights[id(node)] = weight


def yaml_safe_load(text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_YAML_NODES) -> Any:
    """``yaml.safe_load`` bounded in depth and in expanded size; raises ``yaml.YAMLError`` naming the problem."""
    loader = _BoundedSafeLoader(text, max_depth=max_depth, max_nodes=max_nodes)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def date_problem(value: date | datetime | None) -> str | None:
    """Why a date (or a date and time) is refused, or None: it must lie within ``EARLIEST_DATE``..``LATEST_DATE``."""
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"{day.isoformat()} is not between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
