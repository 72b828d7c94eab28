"""quiz-tui: practise PyTorch in the terminal, with checks that name the mistake."""

__version__ = "0.1.0"
