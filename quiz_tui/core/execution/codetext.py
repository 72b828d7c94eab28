"""The learner's code as Python should read it: what an editor or a copy-paste adds, taken out.

Code reaches quiz-tui from the editor, from files and from the clipboard, and
some of what comes along is invisible: a byte-order mark from a Windows editor
(Python refuses it: "invalid non-printable character U+FEFF"), Windows or old
Mac line endings, tabs mixed with spaces. A teacher reads such code as what it
looks like, so quiz-tui does too. :func:`clean_code` runs once, where the app
hands code to the runner, so the learner's process, the judge's ``source()``
and every message see the same text.

Nothing here adds or removes a line: line numbers in errors stay those of the
editor. Code Python already accepts keeps its meaning; only tabbed indentation
that Python refuses (``TabError``, "unindent does not match") is read the way
the editor shows it (a tab as 4 columns).

Only the standard library: the app's process imports this and never imports torch.
"""

from __future__ import annotations

import ast
import re

BOM = "\ufeff"
TAB_WIDTH = 4
"""Columns a tab takes in the editor (``CodeEditor.indent_width``): what the learner sees."""
_LEADING = re.compile(r"^[ \t]*", re.MULTILINE)
_TABBED = re.compile(r"^ *\t", re.MULTILINE)


def clean_code(code: str) -> str:
    """``code`` without a byte-order mark, with ``\\n`` line endings, and indentation that
    mixes tabs and spaces in a way Python refuses read with the editor's tab width."""
    code = code.removeprefix(BOM)
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    if _TABBED.search(code) and _bad_indentation(code):
        expanded = _LEADING.sub(lambda m: m.group(0).expandtabs(TAB_WIDTH), code)
        if not _bad_indentation(expanded):
            code = expanded
    return code


def _bad_indentation(code: str) -> bool:
    """Whether Python refuses the code's indentation (``TabError`` or ``IndentationError``)."""
    try:
        compile(code, "<your code>", "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    except IndentationError:
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return False
