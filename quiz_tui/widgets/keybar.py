"""The bottom line: the keys that matter now, in a fixed order, in the learner's language."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

KEYS: list[tuple[str, str, str, str, int]] = [
    # key shown, English, Chinese, when ("" always, "checking" only while a check runs),
    # and rank: when the line is too narrow, the highest ranks are left out first.
    ("F5", "Check", "检查", "", 0),
    ("F6", "Run", "运行", "", 3),
    ("F9", "Cancel", "取消", "checking", 0),
    ("F7", "Hint", "提示", "", 2),
    ("^N", "Next", "下一题", "", 4),
    ("^PgUp", "Prev", "上一题", "", 5),
    ("F2", "Tasks", "题目", "", 1),
    ("F3", "中/EN", "中/EN", "", 1),
    ("^P", "Commands", "命令", "", 1),
    ("F10", "Quit", "退出", "", 0),
]
"""Quit, Check and (while a check runs) Cancel are never left out."""


class KeyBar(Widget):
    """Like Textual's Footer, but ordered by importance and drawn on one line."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; }
    """

    lang = reactive("en")
    checking = reactive(False)

    def _entries(self) -> list[tuple[str, str, int]]:
        return [
            (key, zh if self.lang == "zh" else en, rank)
            for key, en, zh, when, rank in KEYS
            if when != "checking" or self.checking
        ]

    def render(self) -> Text:
        entries = self._entries()
        width = self.size.width or 80
        while len(entries) > 1:
            line = self._line(entries)
            if line.cell_len <= width:
                return line
            worst = max(rank for _, _, rank in entries)
            if worst == 0:
                break
            # Leave out the last entry of the highest rank.
            drop = max(i for i, (_, _, rank) in enumerate(entries) if rank == worst)
            del entries[drop]
        return self._line(entries)

    @staticmethod
    def _line(entries: list[tuple[str, str, int]]) -> Text:
        line = Text(no_wrap=True, overflow="crop")
        for key, label, _ in entries:
            line.append(key, style="bold reverse")
            line.append(f" {label} ")
        return line
