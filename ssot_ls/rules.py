"""A rule: one deprecated module or name, and where its canonical replacement lives."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from ssot_ls.types import Applicability, Severity

DOCS_URL = "https://github.com/ssot-ls/ssot-ls/blob/main/README.md#rule-"


@dataclass(frozen=True)
class Example:
    """A snippet a rule must flag (``invalid``) or leave alone (``valid``), as in Fixit.

    ``fixed`` is the expected text after ``check --fix --unsafe-fixes`` (None: unchanged).
    """

    code: str
    fixed: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    old_module: str
    old_name: str | None = None
    new_module: str | None = None
    new_name: str | None = None
    awaitable: bool = False
    message: str | None = None
    severity: Severity = Severity.WARNING
    # "rewrite": call sites are rewritten; "report": flagged, never rewritten (a person decides).
    calls: str = "rewrite"
    # The rule fires only at call sites that pass this keyword (e.g. a constructor argument
    # that went away); the import itself is fine.
    when_keyword: str | None = None
    rename_keywords: Mapping[str, str] = field(default_factory=dict)
    drop_keywords: tuple[str, ...] = ()
    # A call rewrite is offered only when these keywords are present after renaming: we never
    # invent argument values.
    require_keywords: tuple[str, ...] = ()
    fix: Applicability | None = None  # None: derived (see fix_applicability)
    strings: bool = True  # also check dotted-path strings: mock.patch("..."), settings, entry points
    # The old module no longer exists: a fallback import of it in `except ImportError:` is
    # dead code, not a compatibility shim, and is flagged too.
    removed: bool = False
    url: str | None = None
    origin: str = ""  # where the rule was declared, for messages
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()

    @property
    def old_path(self) -> str:
        return f"{self.old_module}.{self.old_name}" if self.old_name else self.old_module

    @property
    def new_path(self) -> str | None:
        if self.new_module is None:
            return None
        name = self.target_name
        return f"{self.new_module}.{name}" if name else self.new_module

    @property
    def target_name(self) -> str | None:
        """The name the old name becomes (same name when only the module moved)."""
        if self.old_name is None:
            return None
        return self.new_name or self.old_name

    def map(self, path: str) -> str | None:
        """The path ``path`` (this rule's old path, or something inside it) becomes; None when
        the rule has no replacement or does not cover ``path``."""
        if self.new_module is None:
            return None
        old = self.old_path
        if path != old and not path.startswith(old + "."):
            return None
        new = self.new_path
        assert new is not None
        return new + path[len(old):]

    @property
    def has_replacement(self) -> bool:
        return self.new_module is not None

    @property
    def is_call_rule(self) -> bool:
        return self.when_keyword is not None

    @property
    def doc_url(self) -> str | None:
        """The rule's docs: its `url`, or the README section of a built-in rule (a rule of
        your own has none unless you give it one)."""
        if self.url:
            return self.url
        return DOCS_URL + self.code.lower() if self.origin.startswith("preset ") else None

    def applicability(self, *, awaits: bool = False, drops_arguments: bool = False,
                      rewrites_string: bool = False) -> Applicability | None:
        """How one fix of this rule applies: the one place that decides it. The fixer asks it
        for every fix it makes; `ssot-ls rules` and SARIF describe the rule from it."""
        if not self.has_replacement:
            return None
        if self.fix is not None:
            return self.fix
        # Awaiting a call, dropping arguments or changing a string's value changes behaviour
        # in ways no static check proves harmless: the user opts in.
        if awaits or drops_arguments or rewrites_string:
            return Applicability.UNSAFE
        return Applicability.SAFE

    def possible_fixes(self) -> dict[str, Applicability]:
        """Each kind of fix this rule can make, and how it applies."""
        import_fix = self.applicability()
        if import_fix is None:
            return {}
        kinds = {"rewrites imports and names": import_fix}
        if self.awaitable:
            kinds["inserts `await`"] = self.applicability(awaits=True)
        if self.drop_keywords:
            kinds["drops arguments"] = self.applicability(drops_arguments=True)
        if self.strings:
            kinds["rewrites a dotted-path string"] = self.applicability(rewrites_string=True)
        return {kind: applicability for kind, applicability in kinds.items() if applicability}

    def fix_applicability(self) -> Applicability | None:
        """How this rule's code fixes apply (the least safe of them); None when it only reports."""
        kinds = [a for kind, a in self.possible_fixes().items() if "string" not in kind]
        if not kinds:
            return None
        return Applicability.UNSAFE if Applicability.UNSAFE in kinds else kinds[0]

    def fix_applicability_doc(self) -> str:
        kinds = self.possible_fixes()
        if not kinds:
            return "no automatic fix (report only)"
        if self.fix is Applicability.DISPLAY_ONLY:
            return "fix shown, never applied automatically"
        extra = "; call sites are reported, not rewritten" if self.calls == "report" else ""
        unsafe = [kind for kind, a in kinds.items() if a is Applicability.UNSAFE]
        if not unsafe:
            return "safe fix (applied by --fix)" + extra
        if len(unsafe) == len(kinds):
            return "unsafe fix (applied by --fix --unsafe-fixes)" + extra
        return (f"unsafe where the fix {' or '.join(unsafe)} (applied by --fix --unsafe-fixes); "
                f"safe otherwise (applied by --fix){extra}")

    def message_text(self) -> str:
        if self.message:
            return self.message
        if self.is_call_rule:
            head = f"`{self.old_path}(..., {self.when_keyword}=...)` is deprecated"
        else:
            head = f"`{self.old_path}` is deprecated"
        if not self.has_replacement:
            return head
        use = f"await {self.new_path}(...)" if self.awaitable else self.new_path
        return f"{head}; use `{use}`"

    def describe(self) -> str:
        lines = [f"{self.code}: {self.message_text()}", ""]
        lines.append(f"  old:      {self.old_path}" + (" (whole module)" if not self.old_name else ""))
        if self.new_path:
            lines.append(f"  new:      {self.new_path}")
        if self.awaitable:
            lines.append("  await:    call sites become `await new(...)`; only inside `async def`")
        if self.when_keyword:
            lines.append(f"  fires:    only at calls passing `{self.when_keyword}=`")
        if self.rename_keywords:
            pairs = ", ".join(f"{k}={v}" for k, v in self.rename_keywords.items())
            lines.append(f"  renames:  keyword arguments {pairs}")
        if self.drop_keywords:
            lines.append(f"  drops:    keyword arguments {', '.join(self.drop_keywords)}")
        if self.require_keywords:
            lines.append(f"  requires: keyword arguments {', '.join(self.require_keywords)} (never invented)")
        lines.append(f"  fix:      {self.fix_applicability_doc()}")
        lines.append(f"  severity: {self.severity.value}")
        if self.origin:
            lines.append(f"  from:     {self.origin}")
        if self.doc_url:
            lines.append(f"  docs:     {self.doc_url}")
        return "\n".join(lines)


_WORD_CHARS = frozenset(string.ascii_letters + string.digits + "_")
_WORD_BYTES = frozenset(char.encode() for char in _WORD_CHARS)


class RuleSet:
    """Rules indexed for the analysis, plus the byte needles of the prefilter."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        self._by_code = {rule.code: rule for rule in rules}
        self.by_name: dict[tuple[str, str], Rule] = {}
        self.call_rules: dict[tuple[str, str], Rule] = {}
        self.by_module: dict[str, Rule] = {}
        modules: set[str] = set()
        for rule in rules:
            modules.add(rule.old_module)
            if rule.is_call_rule:
                self.call_rules[(rule.old_module, rule.old_name or "")] = rule
            elif rule.old_name:
                self.by_name[(rule.old_module, rule.old_name)] = rule
            else:
                self.by_module[rule.old_module] = rule
        self.modules = frozenset(modules)
        # Packages above a ruled module: `import a` then `a.b.c` uses the ruled `a.b`.
        self.parents = frozenset(
            module.rsplit(".", depth)[0] for module in modules for depth in range(1, module.count(".") + 1))
        # Every segment of a ruled module: the words an import of it or of a parent spells.
        self.segments = frozenset(part for module in modules for part in module.split("."))
        # Every use of a module must spell its last segment: an import names it, a relative
        # import of it names it, a dotted string names it.
        self.needles = tuple(sorted({m.rsplit(".", 1)[-1].encode() for m in modules}))
        # As whole words: `default_factory` or `session_factory` cannot name a module `factory`.
        self._needle_strings = tuple(n.decode() for n in self.needles)

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self):
        return iter(self.rules)

    def get(self, code: str) -> Rule | None:
        return self._by_code.get(code)

    def may_match(self, data: bytes | str) -> bool:
        """The prefilter: can this text mention a ruled module at all (a needle as a whole word)?

        A literal search plus a look at the neighbouring characters: a regex with a lookbehind
        cannot use the regex engine's fast literal scan and costs 20 times more."""
        needles = self.needles if isinstance(data, bytes) else self._needle_strings
        word = _WORD_BYTES if isinstance(data, bytes) else _WORD_CHARS
        for needle in needles:
            position = data.find(needle)
            while position != -1:
                end = position + len(needle)
                if (position == 0 or data[position - 1:position] not in word) and \
                        (end == len(data) or data[end:end + 1] not in word):
                    return True
                position = data.find(needle, end)
        return False

    def module_rule(self, module: str) -> Rule | None:
        """The whole-module rule covering ``module`` or one of its parent packages."""
        while True:
            rule = self.by_module.get(module)
            if rule is not None:
                return rule
            if "." not in module:
                return None
            module = module.rsplit(".", 1)[0]

    def touches(self, module: str) -> bool:
        """Does any rule name ``module``, a package above a ruled module, or a module inside
        a ruled one?"""
        if module in self.modules or module in self.parents or self.module_rule(module) is not None:
            return True
        # `import collections.Container`: a dotted import that spells a ruled name.
        parent, _, name = module.rpartition(".")
        return (parent, name) in self.by_name

    def map_dotted(self, path: str) -> tuple[Rule | None, str | None]:
        """The most specific rule for a dotted path (`a.b.c.attr`) and the path it becomes
        (None when the rule has no replacement). Call rules fire only at calls: not here."""
        parts = path.split(".")
        for cut in range(len(parts), 0, -1):
            module, rest = ".".join(parts[:cut]), parts[cut:]
            if rest:
                rule = self.by_name.get((module, rest[0]))
                if rule is not None:
                    if rule.new_module is None:
                        return rule, None
                    return rule, ".".join([rule.new_module, rule.target_name or rest[0], *rest[1:]])
            rule = self.by_module.get(module)
            if rule is not None:
                if rule.new_module is None:
                    return rule, None
                return rule, ".".join([rule.new_module, *rest])
        return None, None

    def rule_for(self, module: str, name: str) -> Rule | None:
        """The most specific non-call rule for ``module.name``."""
        return self.by_name.get((module, name)) or self.module_rule(module)

    def fingerprint(self) -> str:
        return repr(tuple((r.code, r.old_path, r.new_path, r.awaitable, r.calls, r.when_keyword,
                           tuple(r.rename_keywords.items()), r.drop_keywords, r.require_keywords,
                           r.fix, r.strings, r.removed, r.severity, r.message) for r in self.rules))
