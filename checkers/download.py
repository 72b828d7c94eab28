"""Downloads real CIFAR-10 with torchvision (run by ``quiz-tui data download``).

    python -m checkers.download ROOT

Runs in its own process so that the app never imports torchvision. Exit 0 on
success; 1 with a one-line reason on stderr otherwise.
"""

from __future__ import annotations

import os
import sys
import urllib.error


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m checkers.download ROOT", file=sys.stderr)
        return 2
    import torchvision

    root = argv[0]
    cls = torchvision.datasets.CIFAR10
    url = os.environ.get("QUIZ_TUI_CIFAR_URL")
    if url:  # tests point this at a closed port to prove the offline message
        cls = type("CIFAR10", (cls,), {"url": url})
    try:
        cls(root=root, train=True, download=True)
        cls(root=root, train=False, download=True)
    except (urllib.error.URLError, OSError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"cannot download CIFAR-10 (is this machine offline?): {reason}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"the download did not give valid CIFAR-10: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
