"""The bottom line: the keys that matter now, in a fixed order, in the learner's language."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

KEYS: list[tuple[str, str, str, str]] = [
    # key shown, English, Chinese, when ("" always, "checking" only while a check runs)
    ("F5", "Check", "检查", ""),
    ("F6", "Run", "运行", ""),
    ("F9", "Cancel", "取消", "checking"),
    ("F7", "Hint", "提示", ""),
    ("^N", "Next", "下一题", ""),
    ("^B", "Prev", "上一题", ""),
    ("F2", "Tasks", "题目", ""),
    ("F3", "中/EN", "中/EN", ""),
    ("^P", "Commands", "命令", ""),
    ("F10", "Quit", "退出", ""),
]


class KeyBar(Widget):
    """Like Textual's Footer, but ordered by importance and drawn on one line."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; }
    """

    lang = reactive("en")
    checking = reactive(False)

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="crop")
        for key, en, zh, when in KEYS:
            if when == "checking" and not self.checking:
                continue
            line.append(key, style="bold reverse")
            line.append(f" {zh if self.lang == 'zh' else en} ")
        return line
