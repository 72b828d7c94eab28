"""Finds the line where each key of a TOML document is defined.

``tomllib`` parses TOML into plain dicts without positions, but authors need
``file:line: what is wrong``. This scanner walks the text once and records, for
each key path such as ``("limits", "seconds")`` or ``("wrong", 1, "code")``,
the line where it is assigned. It understands exactly as much TOML as needed to
stay in step: table headers, arrays of tables, dotted and quoted keys, and
multi-line strings (whose contents are skipped).
"""

from __future__ import annotations

import re
import tomllib

KeyPath = tuple[str | int, ...]

_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
"""One key: bare, a basic string (with escapes such as \u007f or \"), or a literal string."""
_DOTTED = rf"""{_PART}(?:\s*\.\s*{_PART})*"""
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")


def _split_key(raw: str) -> list[str]:
    return [_unquote(p) for p in re.findall(_PART, raw)]


def _unquote(part: str) -> str:
    """A key as tomllib reads it: escapes in basic strings decoded, quotes dropped."""
    if part[:1] == "'":
        return part[1:-1]
    if part[:1] == '"':
        try:
            value = tomllib.loads(f"k = {part}")["k"]
        except tomllib.TOMLDecodeError:
            return part[1:-1]
        return str(value)
    return part


class KeyLines:
    """Key path → 1-based line number, with lookups that fall back to the parent."""

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        self._string_starts: dict[KeyPath, int] = {}
        self._string_lines: dict[KeyPath, int] = {}
        self.unclosed_string: int | None = None
        """Line where a multi-line string opens and never closes (tomllib gives none)."""
        self._scan(text)

    def _scan(self, text: str) -> None:
        table: KeyPath = ()
        array_counts: dict[KeyPath, int] = {}
        in_string: str | None = None
        open_key: KeyPath = ()
        # TOML ends lines only at \n: other Unicode separators may sit inside strings.
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.removesuffix("\r")
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                    self.unclosed_string = None
                    self._string_lines[open_key] = number - self._string_starts[open_key] + 1
                continue
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                path = self._in_arrays(tuple(_split_key(header.group(2))), array_counts)
                if header.group(1) == "[[":
                    index = array_counts.get(path, -1) + 1
                    array_counts[path] = index
                    table = (*path, index)
                else:
                    table = path
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if not key:
                continue
            keypath: KeyPath = (*table, *_split_key(key.group(1)))
            # `title.en = ...` also defines `title`, for problems about the whole table.
            for end in range(len(table) + 1, len(keypath) + 1):
                self._lines.setdefault(keypath[:end], number)
            rest = line[key.end() :].lstrip()
            for quote in ("'''", '"""'):
                if rest.startswith(quote):
                    # TOML drops a newline right after the opening quotes, so the
                    # value's first line is the next one unless anything follows here.
                    after = rest[len(quote) :]
                    self._string_starts[keypath] = number + (0 if after else 1)
                    if after.count(quote) % 2 == 0:
                        in_string = quote
                        open_key = keypath
                        self.unclosed_string = number
                    else:
                        self._string_lines[keypath] = 1
                    break

    @staticmethod
    def _in_arrays(path: tuple[str, ...], arrays: dict[KeyPath, int]) -> KeyPath:
        """``[sections.title]`` after ``[[sections]]`` belongs to the last sections entry."""
        out: KeyPath = ()
        for part in path:
            out = (*out, part)
            if out in arrays:
                out = (*out, arrays[out])
        if path and out[-1] != path[-1]:
            out = out[:-1]  # the header itself names an array: its entry is added by the caller
        return out

    def line(self, path: KeyPath) -> int:
        """Where ``path`` is defined, else its nearest defined parent, else line 1."""
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return 1

    def is_multiline(self, path: KeyPath) -> bool:
        """Whether the value at ``path`` is a triple-quoted string."""
        return path in self._string_starts

    def string_lines(self, path: KeyPath) -> int | None:
        """How many file lines the triple-quoted value at ``path`` spans, if known."""
        return self._string_lines.get(path)

    def string_start(self, path: KeyPath) -> int:
        """The file line holding the first line of a multi-line string value."""
        return self._string_starts.get(path, self.line(path))
