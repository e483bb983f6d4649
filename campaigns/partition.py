"""Partitions of a step's data query into groups: text and values in, group specs (a name and a query slice) out.

Plain functions, no ORM: ``services.groups.step_split`` turns what a person typed (or the values the Butler holds)
into the groups it writes. Three ways to partition:

- ``groups_from_ranges``: explicit ranges over a dimension, ``"1-100, 101-200, 250"`` over ``visit`` gives
  ``visit-1-100`` (``visit >= 1 AND visit <= 100``), ``visit-101-200`` and ``visit-250`` (``visit = 250``);
- ``groups_from_count``: a dimension's values cut into N contiguous chunks as even as possible, each
  ``dimension IN (...)``, named after its first and last value;
- ``groups_from_list``: one group per non-empty line, ``name: query`` or just ``query`` (named ``group-N``).

A group's query is ANDed with the step's (``preflight.group_query``), in the Butler's query language. A group's
name goes into its output collections (``<prefix>/<step>/<group>/submission-N``): letters, digits, ``.``, ``_``
and ``-`` only, a letter or digit first, at most ``NAME_MAX_LENGTH``. Bad input raises ``InvalidInput`` naming the
line, range or value.
"""

import re
from dataclasses import dataclass

from console.errors import InvalidInput

# Far above a real campaign's split (Rubin's campaigns run hundreds of groups a step), and bounded so that one
# request cannot make the work (and the page) grow without end.
MAX_GROUPS = 10_000
NAME_MAX_LENGTH = 100
QUERY_MAX_LENGTH = 10_000
# A pasted list of MAX_GROUPS lines with room for their queries; the ranges field is a line or a few.
LIST_MAX_CHARS = 2_000_000
RANGES_MAX_CHARS = 100_000
# At most this many problems are named in one refusal; the rest are counted.
PROBLEMS_SHOWN = 10

# It names a folder of the datastore too (the run's path): never "." nor "..", so it starts with a letter or digit.
GROUP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# A dimension (``visit``, ``tract``) or one of its fields (``visit.day_obs``), as the query language names them.
DIMENSION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
RANGE = re.compile(r"(\d{1,18})\s*(?:-\s*(\d{1,18}))?")


@dataclass(frozen=True)
class GroupSpec:
    """One group to be: its name and its slice of the step's data query."""

    name: str
    data_query: str


def groups_from_ranges(dimension: str, ranges: str) -> list[GroupSpec]:
    """One group per range (``a-b``) or value (``a``) of whole numbers, separated by commas or line breaks.
    Ranges may not overlap: a data ID in two groups would be processed twice."""
    dimension = _dimension(dimension)
    if len(ranges) > RANGES_MAX_CHARS:
        raise InvalidInput(f"The ranges have {len(ranges):,} characters; at most {RANGES_MAX_CHARS:,} fit.")
    items = [item.strip() for item in re.split(r"[,\n]", ranges)]
    items = [item for item in items if item]
    if not items:
        raise InvalidInput(f"Give at least one range of {dimension}, e.g. 1-100, 101-200, 250.")
    _check_count(len(items), "ranges")
    problems: list[str] = []
    bounds: list[tuple[int, int, int]] = []
    for number, item in enumerate(items, start=1):
        match = RANGE.fullmatch(item)
        if match is None:
            problems.append(f"Range {number} {item!r}: not a whole number nor a range of two (first-last).")
            continue
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            problems.append(f"Range {number} {item!r}: it ends before it starts.")
            continue
        bounds.append((first, last, number))
    # In order of their starts, each range must start after every range before it ended.
    reach: tuple[int, int] | None = None  # (the furthest end so far, the number of its range)
    for first, last, number in sorted(bounds):
        if reach is not None and first <= reach[0]:
            earlier, later = sorted((number, reach[1]))
            problems.append(
                f"Range {later} {items[later - 1]!r}: it overlaps range {earlier} {items[earlier - 1]!r}; "
                "a data ID in two groups would be processed twice."
            )
        if reach is None or last > reach[0]:
            reach = (last, number)
    _raise_problems(problems)
    specs = []
    for first, last, _ in bounds:
        if first == last:
            specs.append(GroupSpec(f"{dimension}-{first}", f"{dimension} = {first}"))
        else:
            specs.append(GroupSpec(f"{dimension}-{first}-{last}", f"{dimension} >= {first} AND {dimension} <= {last}"))
    return _checked(specs, what="range")


def groups_from_count(dimension: str, values: list[int | str], count: int) -> list[GroupSpec]:
    """``count`` groups of the dimension's values (sorted, as the Butler gave them), in contiguous chunks whose
    sizes differ by one at most; each group's query lists its values (``IN``), so that a gap in the values never
    puts a value the chunk does not hold into its group."""
    dimension = _dimension(dimension)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidInput(f"The number of groups must be a whole number of at least 1, not {count!r}.")
    _check_count(count, "groups")
    unique = list(dict.fromkeys(values))
    if not unique:
        raise InvalidInput(f"The Butler holds no value of {dimension} for this step's query: nothing to split.")
    if count > len(unique):
        raise InvalidInput(
            f"{count} groups asked of {len(unique)} value{'s' if len(unique) != 1 else ''} of {dimension}: "
            f"at most {len(unique)}."
        )
    problems = [problem for value in unique if (problem := _value_problem(dimension, value))]
    _raise_problems(problems)
    size, extra = divmod(len(unique), count)
    specs = []
    start = 0
    for index in range(count):
        chunk = unique[start : start + size + (1 if index < extra else 0)]
        start += len(chunk)
        name = f"{dimension}-{chunk[0]}" if len(chunk) == 1 else f"{dimension}-{chunk[0]}-{chunk[-1]}"
        if len(chunk) > 1 and all(isinstance(value, int) for value in chunk) and chunk == sorted(chunk):
            # The values between the first and the last are the chunk's (the values are in order): a range, however
            # many, rather than a list that grows with them.
            query = f"{dimension} >= {chunk[0]} AND {dimension} <= {chunk[-1]}"
        else:
            query = f"{dimension} IN ({', '.join(_literal(value) for value in chunk)})"
        specs.append(GroupSpec(name, query))
    return _checked(specs, what="chunk")


def groups_from_list(text: str) -> list[GroupSpec]:
    """One group per non-empty line: ``name: query``, or ``query`` alone (named ``group-N``, N its place among
    the groups)."""
    if len(text) > LIST_MAX_CHARS:
        raise InvalidInput(f"The list has {len(text):,} characters; at most {LIST_MAX_CHARS:,} fit.")
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise InvalidInput("Give at least one group: one line each, “name: query” or just the query.")
    _check_count(len(lines), "lines")
    problems: list[str] = []
    specs: list[GroupSpec] = []
    seen: dict[str, int] = {}
    for place, (number, line) in enumerate(lines, start=1):
        name, query = _named(line)
        name = f"group-{place}" if name is None else name
        problem = _name_problem(name) or _query_problem(query)
        if not problem and name in seen:
            problem = f"the name {name!r} is given to line {seen[name]} already."
        if problem:
            problems.append(f"Line {number}: {problem}")
            continue
        seen[name] = number
        specs.append(GroupSpec(name, query))
    _raise_problems(problems)
    return specs


def _named(line: str) -> tuple[str | None, str]:
    """A line's name and query: the name is what comes before the first colon that is neither in quotes nor in
    parentheses (a query's own colons are: a time literal T'2025-06-01 12:00:00', a range's stride (1..9:2));
    None when there is no such colon."""
    depth, quote = 0, ""
    for index, character in enumerate(line):
        if quote:
            if character == quote:
                quote = ""
        elif character in "'\"":
            quote = character
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == ":" and depth == 0:
            return line[:index].strip(), line[index + 1 :].strip()
    return None, line


def _dimension(dimension: str) -> str:
    dimension = (dimension or "").strip()
    if not DIMENSION.fullmatch(dimension):
        raise InvalidInput(
            f"The dimension {dimension!r} is not a dimension name (e.g. visit, tract, exposure, or visit.day_obs)."
        )
    return dimension


def _check_count(count: int, what: str) -> None:
    if count > MAX_GROUPS:
        raise InvalidInput(f"{count:,} {what} make as many groups; a step has at most {MAX_GROUPS:,}.")


def _value_problem(dimension: str, value) -> str:
    """Why a value the Butler gave cannot go into a query or a group's name; empty when it can."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return f"Value {value!r} of {dimension}: neither a whole number nor a text."
    if isinstance(value, str) and not GROUP_NAME.fullmatch(value):
        return (
            f"Value {value!r} of {dimension}: only letters, digits, '.', '_' and '-' (a letter or digit first) fit "
            "in a group's name."
        )
    return ""


def _literal(value: int | str) -> str:
    """A value as the query language writes it (texts quoted; ``_value_problem`` kept quotes out of them)."""
    return str(value) if isinstance(value, int) else f"'{value}'"


def _name_problem(name: str) -> str:
    if len(name) > NAME_MAX_LENGTH:
        return f"the name {name[:40]!r}… has {len(name)} characters; at most {NAME_MAX_LENGTH} fit."
    if not GROUP_NAME.fullmatch(name):
        return f"the name {name!r} may hold only letters, digits, '.', '_' and '-', and starts with a letter or digit."
    return ""


def _query_problem(query: str) -> str:
    """Why a group's query cannot be ANDed with the step's: empty, too long, or its quotes or parentheses do not
    close (``(step) AND (group)`` must stay two whole expressions). Empty when it can; the Butler judges the rest
    when the group is submitted."""
    if not query:
        return "the query is empty."
    if len(query) > QUERY_MAX_LENGTH:
        return f"the query has {len(query):,} characters; at most {QUERY_MAX_LENGTH:,} fit."
    depth, quote = 0, ""
    for character in query:
        if quote:
            if character == quote:
                quote = ""
        elif character in "'\"":
            quote = character
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
            if depth < 0:
                return f"the query {query!r} closes a parenthesis it never opened."
    if quote:
        return f"the query {query!r} opens a quote ({quote}) it never closes."
    if depth:
        return f"the query {query!r} leaves {depth} parenthes{'i' if depth == 1 else 'e'}s open."
    return ""


def _checked(specs: list[GroupSpec], *, what: str) -> list[GroupSpec]:
    """The specs, once every name fits (a long text value or dimension can make one too long)."""
    problems = [
        f"{what.capitalize()} {number}: {problem}"
        for number, spec in enumerate(specs, start=1)
        if (problem := _name_problem(spec.name))
    ]
    _raise_problems(problems)
    return specs


def _raise_problems(problems: list[str]) -> None:
    if not problems:
        return
    shown = problems[:PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    raise InvalidInput("\n".join(shown) + (f"\n… and {more} more." if more else ""))
