"""The task's prompt (Markdown, in the learner's language), hints, and its setup code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Collapsible, Static

from quiz_tui.core.messages import BASE, say

if TYPE_CHECKING:
    from textual.widget import AwaitMount

    from quiz_tui.core.model import Exercise, Lang


class PromptView(VerticalScroll):
    """Scrollable: title, prompt, hints shown so far, and the collapsible setup."""

    DEFAULT_CSS = """
    PromptView { height: 1fr; padding: 0 1; }
    PromptView #prompt-title { text-style: bold; color: $accent; }
    PromptView Markdown { margin: 0; padding: 0; }
    PromptView #hints { height: auto; }
    PromptView .hint {
        border-left: outer $warning; padding-left: 1; margin-bottom: 1; height: auto;
    }
    PromptView Collapsible { margin: 0; padding: 0; border: none; }
    """

    def compose(self) -> ComposeResult:
        # The Markdown widget (and markdown-it) arrive with the first task, after the
        # first paint; see show().
        yield Static(id="prompt-title")
        yield Vertical(id="hints")
        with Collapsible(title=say(BASE, "app.setup-title"), collapsed=True, id="setup"):
            yield Static(id="setup-code")

    code_theme = "monokai"
    """The Pygments style of the setup code; the app sets one to suit a light theme."""
    _setup: tuple[str, Lang] = ("", "en")
    _reveal: Static | None = None
    """The hint just revealed, kept in view until the prompt has finished laying out."""
    """The setup code shown, and the language of the words shown when there is none."""

    def show(self, exercise: Exercise, lang: Lang, hints: list[str]) -> None:
        self.query_one("#prompt-title", Static).update(
            f"{exercise.number}. {exercise.title.get(lang)}"
        )
        from textual.widgets import Markdown

        markdowns = self.query("#prompt-text")
        if markdowns:
            markdowns.first(Markdown).update(exercise.prompt.get(lang))
        else:
            self.mount(Markdown(exercise.prompt.get(lang), id="prompt-text"), after="#prompt-title")
        self.show_hints(hints, lang, reveal=False)  # a new prompt starts at its top
        collapsible = self.query_one("#setup", Collapsible)
        collapsible.title = say(lang, "app.setup-title")
        self._setup = (exercise.setup_code.strip(), lang)
        self._show_setup()
        self.scroll_home(animate=False)

    def use_code_theme(self, name: str) -> None:
        """Colour the setup code with another Pygments style (light or dark themes)."""
        self.code_theme = name
        self._show_setup()

    def _show_setup(self) -> None:
        from rich.syntax import Syntax

        code, lang = self._setup
        self.query_one("#setup-code", Static).update(
            Syntax(
                code, "python", theme=self.code_theme, background_color="default", word_wrap=True
            )
            if code
            else say(lang, "app.no-setup")
        )

    def show_hints(self, hints: list[str], lang: Lang, *, reveal: bool = True) -> None:
        """Show the hints revealed so far, as Markdown; ``reveal`` scrolls to the newest.

        Rich's Markdown renders in the same frame (Textual's widget parses later), so
        the newest hint's place is known at once and one F7 brings it into view.
        """
        from rich.markdown import Markdown as RichMarkdown

        box = self.query_one("#hints", Vertical)
        box.remove_children()
        shown = [
            Static(
                RichMarkdown(
                    f"**💡 {say(lang, 'app.hint-heading', number=i)}** {text}",
                    inline_code_lexer="python",
                    inline_code_theme=self.code_theme,
                ),
                classes="hint",
            )
            for i, text in enumerate(hints, start=1)
        ]
        mounted = box.mount_all(shown)
        box.display = bool(hints)
        self._reveal = shown[-1] if reveal and shown else None
        if self._reveal is not None:
            self.call_later(self._reveal_once_mounted, mounted)

    async def _reveal_once_mounted(self, mounted: AwaitMount) -> None:
        await mounted
        self._scroll_to_reveal()

    def _scroll_to_reveal(self) -> None:
        if self._reveal is not None:
            self.call_after_refresh(self.scroll_to_widget, self._reveal, animate=False, top=True)

    def on_markdown_table_of_contents_updated(self) -> None:
        """The prompt's Markdown parses in a thread and may grow after a hint was
        revealed, pushing it down: bring the hint back into view."""
        self._scroll_to_reveal()
