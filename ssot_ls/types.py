"""Types shared across the engine and both front ends.

Offsets are indices into the original document text (Python ``str`` indices, i.e. code
points). Front ends turn them into rows/columns in whatever unit they need.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


class Applicability(enum.Enum):
    """ruff's model: safe fixes apply with --fix, unsafe ones only with --unsafe-fixes."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"

    def allowed(self, unsafe: bool) -> bool:
        return self is Applicability.SAFE or (unsafe and self is Applicability.UNSAFE)


class FindingKind(enum.Enum):
    IMPORT = "import"  # an import statement naming the old module or name
    REFERENCE = "reference"  # a use that must change: alias.name, renamed name, call site
    STRING = "string"  # a dotted path in mock.patch(...) / importlib.import_module(...)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` of the original document with ``content``."""

    start: int
    end: int
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    severity: Severity
    start: int
    end: int
    kind: FindingKind
    # How the fix would apply, or None when there is none; ``no_fix_reason`` then says why.
    applicability: Applicability | None = None
    no_fix_reason: str | None = None
    fix_title: str | None = None
    # Identifies the group of findings that one fix repairs together (an import and its uses).
    group: str | None = None
    fix: Fix | None = field(default=None, compare=False)

    @property
    def fixable(self) -> bool:
        return self.applicability is not None and self.applicability is not Applicability.DISPLAY_ONLY

    def with_fix(self, fix: Fix | None) -> Finding:
        return Finding(
            self.code, self.message, self.severity, self.start, self.end, self.kind,
            self.applicability, self.no_fix_reason, self.fix_title, self.group, fix,
        )
