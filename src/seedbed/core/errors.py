"""Errors that services raise and views turn into clear messages (never a traceback)."""

from __future__ import annotations


class ValidationProblem(Exception):
    """Input that cannot be saved. ``problems`` maps a field (or row/line) to a message."""

    def __init__(self, problems: dict[str, str] | list[str] | str) -> None:
        if isinstance(problems, str):
            problems = {"__all__": problems}
        elif isinstance(problems, list):
            problems = {f"item {i + 1}": message for i, message in enumerate(problems)}
        self.problems: dict[str, str] = problems
        super().__init__("; ".join(f"{k}: {v}" if k != "__all__" else v for k, v in problems.items()))


class AccessDenied(Exception):
    """The person may not see or do this. Rendered as a 403 page (or sign-in for anonymous)."""

    def __init__(self, reason: str = "You do not have permission to see this page.") -> None:
        self.reason = reason
        super().__init__(reason)
