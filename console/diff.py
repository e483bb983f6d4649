"""Differences shown side by side or line by line: the one helper of the campaign and run comparisons."""

import difflib


def diff_text(value) -> str:
    """A compared value as text: nothing for none, one item per line for a list."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def diff_lines(a: str, b: str, *, a_name: str, b_name: str) -> list[tuple[str, str]]:
    """A unified diff of two texts as (kind, line): kind is file, hunk, added, removed or same."""
    lines = difflib.unified_diff(a.splitlines(), b.splitlines(), fromfile=a_name, tofile=b_name, lineterm="")
    return [(_line_kind(line), line) for line in lines]


def _line_kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "added", "-": "removed"}.get(line[:1], "same")
