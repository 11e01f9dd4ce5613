"""Which rule matches where, in one piece of Python source (a file or a Markdown fence).

Detection uses the stdlib `ast` (several times faster than LibCST); LibCST is only used
when a fix is actually computed (see `fixes.py`). The result, `Analysis`, keeps what the fixer
needs: the import statements, the bindings they create, every use that sees each binding
(resolved scope by scope, as Python does), and the scopes themselves, so that a fix can check
that a name it introduces captures nothing.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ssot_ls.chunks import MIN_LINES, ChunkedSource
from ssot_ls.positions import AstPositions, split_lines
from ssot_ls.rules import Rule, RuleSet
from ssot_ls.scopes import Scope, ScopeBuilder, ScopeMap, resolve, touches_lines
from ssot_ls.tolerant import tolerant_import_statements
from ssot_ls.types import FindingKind

# `mock.patch("a.b.c")`, `patch.object(a.b, "c")`, `importlib.import_module("a.b")`
_PATCH_FUNCS = {"patch", "import_module", "__import__"}
_SUPPRESSION = re.compile(
    r"#\s*(?:ssot:\s*ignore(?:\[(?P<ssot>[^\]]*)\])?|noqa(?::\s*(?P<noqa>[A-Za-z0-9_\-, ]+))?)",
)
# A string that is nothing but a dotted path, or an entry point `pkg.mod:attr`.
_DOTTED_STRING = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?"
                            r"|[A-Za-z_]\w*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", re.ASCII)
_LINE_STARTING_AN_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]", re.MULTILINE)
_FROM_LINE = re.compile(r"\s*from\s+([\w.]+)\s+import\b")
_IMPORT_LINE = re.compile(r"\s*import\s+([\w., \t]+?)\s*(?:#.*|\\|;.*)?$")
_STAR_IMPORT = re.compile(r"import[ \t(\\]*\*")  # a literal start: the fast scan
ALL_CODES = frozenset({"*"})


@dataclass(eq=False)
class ImportStatement:
    node: ast.Import | ast.ImportFrom
    start: int
    end: int
    indent: str
    module: str | None  # resolved absolute module of a from-import
    top_level: bool
    first_line: int
    alone_in_block: bool = False  # deleting it would leave an empty block: write `pass`
    scope: Scope | None = None  # the scope it binds in (None: the code does not parse)


@dataclass(eq=False)
class Binding:
    """A local name bound by one alias of an import that touches a rule."""

    statement: ImportStatement
    index: int  # alias position in the statement; -1 for a star import
    local: str
    qualified: str  # what the local name refers to, e.g. "pkg.mod" or "pkg.mod.name"
    is_module: bool  # `import a.b [as m]`, or `from a import b` where a.b is a (parent of a) ruled module
    start: int  # the alias (`name as x`) in the text
    end: int
    path: str  # the dotted path the alias imports: `a.b.c` of `import a.b.c`, `m.x` of `from m import x`
    rule: Rule | None = None  # the rule flagging the import itself, if any
    uses: list[Use] = field(default_factory=list)
    loads: int = 0  # every read that sees this binding, ruled or not
    # A fallback in `except ImportError:` (after the canonical import was tried) of a module
    # its rule says is removed: dead code, which only a person should delete.
    dead_fallback: bool = False
    # The scope the name binds in: the statement's, or the module's for a name declared
    # `global` there (None: the code does not parse).
    scope: Scope | None = None

    @property
    def group(self) -> str:
        return f"import:{self.statement.start}:{self.index}"

    @property
    def declared_elsewhere(self) -> bool:
        """`global x` / `nonlocal x`, then `import ... x`: it binds outside its statement's scope."""
        return self.scope is not self.statement.scope


@dataclass(eq=False)
class Use:
    """An expression naming something through a binding: `name`, `m.name`, `a.b.name`."""

    binding: Binding
    start: int | None  # None: cannot be rewritten in place (a string annotation with escapes)
    end: int | None
    qualified: str  # the dotted path it names
    rule: Rule | None  # the most specific rule for `qualified`, if any
    target: str | None  # the path `qualified` becomes under that rule (None: no replacement)
    scope: Scope | None
    line: int
    call: Call | None = None  # set when the expression is the callee of a call
    in_annotation: bool = False
    root_end: int | None = None  # end of the local name at the start of the use

    @property
    def rewritable(self) -> bool:
        return self.start is not None


@dataclass(eq=False)
class Call:
    start: int
    end: int
    node: ast.Call
    awaited: bool  # already inside `await`
    needs_parens: bool  # `(await f()).x`, `(await f())[0]`, `(await f())()`
    scope: Scope
    header_of: str | None = None  # in a default, decorator or annotation of this `async def`

    @property
    def async_context(self) -> bool:
        return self.scope.awaits_allowed()


@dataclass(eq=False)
class StringTarget:
    start: int  # the string's contents (inside the quotes)
    end: int
    value: str
    replacement: str | None
    rule: Rule
    dotted: bool = False  # a bare dotted-path string, not an argument of mock.patch/import_module


@dataclass(eq=False)
class RawFinding:
    rule: Rule
    kind: FindingKind
    start: int
    end: int
    group: str
    message: str
    line: int  # 1-based line for suppression comments
    statement_line: int


@dataclass
class Analysis:
    text: str
    parsed: bool
    positions: AstPositions
    statements: list[ImportStatement]
    bindings: list[Binding]
    strings: list[StringTarget]
    call_findings: list[tuple[Rule, Use]]
    findings: list[RawFinding]
    scopes: ScopeMap | None = None  # None when the code does not parse
    exported: frozenset[str] = frozenset()  # names listed in the module's `__all__`
    tree: ast.Module | None = None
    names: frozenset[str] = frozenset()  # the names whose bindings and reads `scopes` tracks


def resolve_relative(module: str | None, level: int, package: str | None) -> str | None:
    """`from ..x import y` in package `a.b.c` → `a.b.x`; None when it leaves the package root."""
    if level == 0:
        return module
    if not package:
        return None
    parts = package.split(".")
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    if not base:
        return None
    return ".".join(base + ([module] if module else []))


def suppressions(text: str) -> dict[int, frozenset[str]]:
    """Line number → codes suppressed there (``ALL_CODES`` for a bare ignore/noqa)."""
    if "ssot:" not in text and "noqa" not in text:
        return {}
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(split_lines(text), 1):
        if "#" not in line:
            continue
        for match in _SUPPRESSION.finditer(line):
            codes = match.group("ssot") if match.group("ssot") is not None else match.group("noqa")
            if codes is None:
                found[number] = ALL_CODES
            else:
                names = frozenset(c.strip() for c in codes.split(",") if c.strip())
                found[number] = found.get(number, frozenset()) | (names or ALL_CODES)
    return found


def is_suppressed(table: dict[int, frozenset[str]], line: int, code: str) -> bool:
    codes = table.get(line)
    return codes is not None and (codes is ALL_CODES or "*" in codes or code in codes)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError"} for n in names)


def _imported_modules(body: list[ast.stmt], package: str | None) -> set[str]:
    modules: set[str] = set()
    for statement in body:
        if isinstance(statement, ast.Import):
            modules.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            module = resolve_relative(statement.module, statement.level, package)
            if module:
                modules.add(module)
                modules.update(f"{module}.{alias.name}" for alias in statement.names)
    return modules


def _lines_with(text: str, positions: AstPositions, words: set[str]) -> list[int]:
    """Sorted 1-based lines on which one of ``words`` stands as a whole word."""
    line_number = positions.line_number
    lines: set[int] = set()
    # str.find per word beats one regex alternation by far on big files.
    for word in words:
        if not word:
            continue
        position = text.find(word)
        while position != -1:
            end = position + len(word)
            before = text[position - 1] if position else " "
            after = text[end] if end < len(text) else " "
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                lines.add(line_number(position))
            position = text.find(word, end)
    return sorted(lines)


class _Analyzer:
    def __init__(self, text: str, rules: RuleSet, package: str | None, with_parents: bool = False) -> None:
        self.text = text
        # Read the lines naming imports of packages above a ruled module (`from sqlalchemy
        # import testing`) too: only needed once such an import has a ruled use, which then
        # spells the ruled module's name on its own line anyway.
        self.with_parents = with_parents
        self.needs_parents = False
        self.rules = rules
        self.package = package
        self.positions = AstPositions(text)
        self.statements: list[ImportStatement] = []
        self.all_bindings: list[Binding] = []
        self.strings: list[StringTarget] = []
        self.call_findings: list[tuple[Rule, Use]] = []
        self.exported: set[str] = set()
        # Modules imported by the `try:` bodies around the current `except ImportError:`.
        self.fallback_context: list[set[str]] = []
        self.needle_lines: list[int] | None = None
        self.word_lines: list[int] | None = None
        self.names: frozenset[str] = frozenset()
        self.scopes: ScopeMap | None = None
        self._pending: list[tuple[ast.Name, Scope, _Chain]] = []
        self._locals: set[str] = set()
        self._pending_patch_objects: list[tuple[ast.Call, Scope]] = []
        self._builder: ScopeBuilder | None = None

    # -- imports -----------------------------------------------------------------------
    def import_statement(self, node: ast.Import | ast.ImportFrom, top_level: bool,
                         alone_in_block: bool = False) -> None:
        if isinstance(node, ast.ImportFrom):
            module = resolve_relative(node.module, node.level, self.package)
            if module is None:
                return
            touched = self.rules.touches(module) or any(
                self.rules.touches(f"{module}.{a.name}") for a in node.names
            )
            if not touched and not any((module, a.name) in self.rules.call_rules for a in node.names):
                return
        else:
            module = None
            if not any(self.rules.touches(a.name) for a in node.names):
                return
        start, end = self.positions.node_range(node)
        line_start = self.positions.line_start(node.lineno)
        indent = self.text[line_start:start]
        statement = ImportStatement(
            node, start, end, indent if not indent.strip() else "", module, top_level, node.lineno,
            alone_in_block,
        )
        self.statements.append(statement)
        in_fallback = bool(self.fallback_context)
        for index, alias in enumerate(node.names):
            alias_start, alias_end = self.positions.node_range(alias)
            if isinstance(node, ast.Import):
                path = alias.name
                local = alias.asname or alias.name.split(".")[0]
                qualified = alias.name if alias.asname else local
                is_module = True
            else:
                assert module is not None
                if alias.name == "*":
                    rule = self.rules.module_rule(module) or next(
                        (r for (m, _), r in self.rules.by_name.items() if m == module), None
                    )
                    if rule is not None and not self._exempt(rule, in_fallback):
                        self._star(statement, rule, alias_start, alias_end)
                    continue
                local = alias.asname or alias.name
                path = qualified = f"{module}.{alias.name}"
                # `from pkg import mod` where pkg.mod is itself a ruled module (or a package
                # above one) binds a module; a name imported from a ruled module is just a name.
                is_module = (qualified in self.rules.modules or qualified in self.rules.parents) and \
                    (module, alias.name) not in self.rules.by_name
            rule = self.rules.map_dotted(path)[0]
            if rule is not None and self._exempt(rule, in_fallback):
                continue
            if rule is None and not self.rules.touches(path) and (module, alias.name) not in \
                    self.rules.call_rules:
                continue  # `import os, old.mod`: only the ruled alias binds anything we track
            binding = Binding(statement, index, local, qualified, is_module, alias_start, alias_end,
                              path, rule, dead_fallback=in_fallback and bool(self.fallback_context[-1]))
            self.all_bindings.append(binding)

    def _exempt(self, rule: Rule, in_fallback: bool) -> bool:
        """A compatibility fallback after the canonical import was tried is not a use, while
        the old module still exists (a rule says `removed = true` once it does not)."""
        if not in_fallback or rule.removed:
            return False
        tried = self.fallback_context[-1]
        if rule.new_module is None:
            return bool(tried)
        return any(m == rule.new_module or m.startswith(rule.new_module + ".") for m in tried)

    def _star(self, statement: ImportStatement, rule: Rule, start: int, end: int) -> None:
        binding = Binding(statement, -1, "*", statement.module or "", True, start, end,
                          statement.module or "", rule)
        self.all_bindings.append(binding)

    # -- the walk over expressions -----------------------------------------------------
    def _on_node(self, node: ast.AST, scope: Scope, stack: list[ast.AST]) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id in self._locals:
                header = self._builder.header_of if self._builder is not None else None
                self._pending.append((node, scope, _Chain.of(stack, header)))
        elif isinstance(node, ast.Call):
            self.string_target(node, scope)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                self._dotted_string(node, stack)
        elif isinstance(node, ast.List | ast.Tuple) and scope.parent is None:
            self._dunder_all(node, stack)

    def _dunder_all(self, node: ast.List | ast.Tuple, stack: list[ast.AST]) -> None:
        """`__all__ = ["name"]` exports a name: renaming its binding would change the API."""
        parent = stack[-2] if len(stack) > 1 else None
        if isinstance(parent, ast.Assign):
            targets = parent.targets
        elif isinstance(parent, ast.AugAssign | ast.AnnAssign):
            targets = [parent.target]
        else:
            return
        if parent.value is not node or not any(isinstance(t, ast.Name) and t.id == "__all__"
                                               for t in targets):
            return
        self.exported.update(e.value for e in node.elts
                             if isinstance(e, ast.Constant) and isinstance(e.value, str))

    def _resolve_uses(self) -> None:
        """Attach each read to the binding it sees, now that every scope's bindings are known."""
        by_scope: dict[tuple[int, str], list[Binding]] = {}
        for binding in self.all_bindings:
            if binding.scope is not None and binding.index >= 0:
                by_scope.setdefault((id(binding.scope), binding.local), []).append(binding)
        for node, scope, chain in self._pending:
            candidates = _seen_bindings(node.id, scope, by_scope)
            if candidates:
                self._reference(node, scope, chain, self._pick(candidates, chain))
        assert self.scopes is not None
        for name in self._locals:
            for load in self.scopes.loads_of(name):
                if not load.in_annotation:
                    continue
                candidates = _seen_bindings(name, load.scope, by_scope)
                if candidates:
                    binding = candidates[-1]
                    binding.loads += 1
                    rule, target = self.rules.map_dotted(binding.qualified)
                    binding.uses.append(Use(binding, load.start, load.end, binding.qualified, rule,
                                            target, load.scope, load.line, in_annotation=True,
                                            root_end=load.end))
        for call, scope in self._pending_patch_objects:
            self._patch_object(call, scope, by_scope)

    @staticmethod
    def _pick(candidates: list[Binding], chain: _Chain) -> Binding:
        """Of several imports binding one name in one scope (`import a.b`, `import a.c`), the
        one whose path the use spells; else the last (flow-insensitively, the one that wins)."""
        if len(candidates) == 1:
            return candidates[0]
        spelled = _dotted_text(chain.nodes[0])
        if spelled:
            for binding in sorted(candidates, key=lambda b: -len(b.path)):
                if spelled == binding.path or spelled.startswith(binding.path + "."):
                    return binding
        return candidates[-1]

    def _reference(self, name: ast.Name, scope: Scope, chain: _Chain, binding: Binding) -> None:
        """Record a read of ``binding``: the shortest prefix of its attribute chain that a name
        rule names, else the whole chain (a module rule, or nothing ruled at all)."""
        binding.loads += 1
        nodes = chain.nodes
        if not binding.is_module:
            self._use(binding, len(nodes) - 1, binding.qualified, scope, chain)
            return
        for k in range(len(nodes) - 2, -1, -1):
            qualified = _qualified(nodes[k], binding.qualified)
            module, _, attribute = qualified.rpartition(".")
            if (module, attribute) in self.rules.by_name or (module, attribute) in self.rules.call_rules:
                self._use(binding, k, qualified, scope, chain)
                return
        self._use(binding, 0, _qualified(nodes[0], binding.qualified), scope, chain)

    def _use(self, binding: Binding, k: int, qualified: str, scope: Scope, chain: _Chain) -> None:
        node = chain.nodes[k]
        parent, grandparent = chain.parents_of(k)
        start, end = self.positions.node_range(node)
        root_end = self.positions.node_range(chain.nodes[-1])[1]
        call = None
        if isinstance(parent, ast.Call) and parent.func is node:
            call = self._call(parent, grandparent, scope, chain.header_of)
        rule, target = self.rules.map_dotted(qualified)
        use = Use(binding, start, end, qualified, rule, target, scope, node.lineno, call,
                  root_end=root_end)
        binding.uses.append(use)
        module, _, attribute = qualified.rpartition(".")
        call_rule = self.rules.call_rules.get((module, attribute))
        if call_rule is not None and call is not None and any(
            k.arg == call_rule.when_keyword for k in call.node.keywords
        ):
            self.call_findings.append((call_rule, use))

    def _call(self, node: ast.Call, parent: ast.AST | None, scope: Scope, header_of: str | None) -> Call:
        start, end = self.positions.node_range(node)
        awaited = isinstance(parent, ast.Await)
        needs_parens = (
            isinstance(parent, ast.Attribute | ast.Subscript)
            and getattr(parent, "value", None) is node
        ) or (isinstance(parent, ast.Call) and parent.func is node)
        return Call(start, end, node, awaited, needs_parens, scope, header_of)

    # -- strings -----------------------------------------------------------------------
    def string_target(self, node: ast.Call, scope: Scope) -> None:
        func = node.func
        func_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if func_name == "object" and isinstance(func, ast.Attribute):
            self._pending_patch_objects.append((node, scope))
            return
        if func_name not in _PATCH_FUNCS and not (
            isinstance(func, ast.Attribute) and func.attr == "dict"
            and getattr(func.value, "attr", getattr(func.value, "id", None)) == "patch"
        ):
            return
        if not node.args:
            return
        target = node.args[0]
        if not (isinstance(target, ast.Constant) and isinstance(target.value, str)):
            return
        self._string(target, dotted=False)

    def _dotted_string(self, node: ast.Constant, stack: list[ast.AST]) -> None:
        """A string whose whole value is a dotted path (settings, dictConfig, entry points);
        prose that mentions a module, docstrings and f-string pieces are not paths."""
        value = node.value
        if len(value) > 300 or not _DOTTED_STRING.fullmatch(value):
            return
        parent = stack[-2] if len(stack) > 1 else None
        if isinstance(parent, ast.Expr | ast.JoinedStr) or (self._builder and self._builder.in_annotation):
            return
        if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node and \
                _called_name(parent) in (_PATCH_FUNCS | {"dict"}):
            return  # the argument of mock.patch / import_module: its own kind of target
        self._string(node, dotted=True)

    def _string(self, target: ast.Constant, dotted: bool) -> None:
        value = target.value
        if not self.rules.may_match(value):
            return
        module_path, colon, attribute = value.partition(":")
        rule, replacement = self.rules.map_dotted(module_path + ("." + attribute if colon else ""))
        if rule is None or not rule.strings:
            return
        if colon and replacement is not None:
            # An entry point keeps its form: the module, a colon, then the attribute path.
            moved = self.rules.map_dotted(module_path)[1] or module_path
            if replacement.startswith(moved + "."):
                replacement = f"{moved}:{replacement[len(moved) + 1:]}"
            else:
                rule_module = rule.new_module or ""
                replacement = f"{rule_module}:{replacement[len(rule_module) + 1:]}"
        start, end = self.positions.node_range(target)
        raw = self.text[start:end]
        # Offsets of the contents: only plain one-line literals whose source equals the value.
        inner_start = raw.find(value)
        if inner_start < 0 or "\\" in raw:
            return
        self.strings.append(StringTarget(start + inner_start, start + inner_start + len(value),
                                         value, replacement, rule, dotted))

    def _patch_object(self, node: ast.Call, scope: Scope,
                      by_scope: dict[tuple[int, str], list[Binding]]) -> None:
        """`patch.object(module, "name")` patches a ruled name: flag the name string."""
        if len(node.args) < 2:
            return
        target, attribute = node.args[0], node.args[1]
        if not (isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)):
            return
        root = target
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return
        candidates = _seen_bindings(root.id, scope, by_scope)
        if not candidates:
            return
        qualified = f"{_qualified(target, candidates[-1].qualified)}.{attribute.value}"
        module, _, name = qualified.rpartition(".")
        rule = self.rules.by_name.get((module, name))
        if rule is None or not rule.strings:
            return
        start, end = self.positions.node_range(attribute)
        self.strings.append(StringTarget(start + 1, end - 1, attribute.value, None, rule))

    # -- traversal ---------------------------------------------------------------------
    def _import_lines(self) -> list[int]:
        """Lines that can hold an import touching a rule: those naming a ruled module's last
        part anywhere, and import lines naming any part of one (`from pkg import sub`)."""
        lines = set(_lines_with(self.text, self.positions, {n.decode() for n in self.rules.needles}))
        text, positions = self.text, self.positions
        for match in _LINE_STARTING_AN_IMPORT.finditer(text):
            line_end = text.find("\n", match.start())
            if self._may_import_ruled(text[match.start():line_end if line_end != -1 else len(text)]):
                lines.add(positions.line_number(match.start()))
        return sorted(lines)

    def _may_import_ruled(self, line: str) -> bool:
        """Can this line start an import of a ruled module, a package above one or a module
        inside one? (`from sqlalchemy.orm import Mapper` cannot, for a rule on
        `sqlalchemy.testing.fixtures`.) Unsure (relative, continued): yes."""
        match = _FROM_LINE.match(line)
        if match:
            module = match.group(1)
            return module.startswith(".") or self.rules.touches(module) or \
                any(m == module for m, _ in self.rules.call_rules)
        match = _IMPORT_LINE.match(line)
        if match:
            names = [part.split()[0] for part in match.group(1).split(",") if part.split()]
            return not names or any(self.rules.touches(name) for name in names)
        return False

    def run(self, tree: ast.Module) -> None:
        self.needle_lines = self._import_lines()
        self._walk_body(tree.body, top_level=True, module_body=True)
        self._prepare_walk()
        self._visit_module(tree)

    def run_partial(self, chunks: ChunkedSource) -> ast.Module | None:
        """The same as `run`, parsing only the top-level statements on interesting lines;
        None when one of them does not parse (the caller then parses the whole file)."""
        self.needle_lines = self._import_lines()
        if not chunks.parse(self.needle_lines):
            return None
        self._walk_body(chunks.module().body, top_level=True, module_body=True)
        self._prepare_walk()
        if not chunks.parse(self.word_lines or []):
            return None
        tree = chunks.module()
        self._visit_module(tree)
        return tree

    def _prepare_walk(self) -> None:
        self._locals = {b.local for b in self.all_bindings if b.index >= 0}
        self.names = frozenset(self._words())
        words = self._line_words()
        lines = set(_lines_with(self.text, self.positions, words))
        lines.update(statement.first_line for statement in self.statements)  # their scopes
        for match in _STAR_IMPORT.finditer(self.text):
            lines.add(self.positions.line_number(match.start()))
        self.word_lines = sorted(lines)

    def _line_words(self) -> set[str]:
        """The words whose lines the walk must visit. An import whose fix only points the same
        local name elsewhere (`from a.b import f` -> `from z.b import f`) changes no use, so its
        uses need not be read: in a test suite where every class names `fixtures.TestBase`,
        that is most of the file left unparsed."""
        bindings = [b for b in self.all_bindings if b.index >= 0 and
                    (self.with_parents or not self._parent_only(b))]
        tracked = {b.local for b in bindings if self._uses_matter(b)}
        words = {n.decode() for n in self.rules.needles} | tracked
        if tracked:
            words |= self._fix_names()  # the names a rename or a new import may take
        return words

    def _uses_matter(self, binding: Binding) -> bool:
        """Must the uses of this import be read to plan its fix? Not when the fix rebinds the
        same local name to a new place and nothing under it has a rule of its own."""
        rule = binding.rule
        if rule is None or rule.new_module is None or rule.awaitable or rule.calls == "report" \
                or rule.is_call_rule or rule.rename_keywords or rule.drop_keywords \
                or binding.path != binding.qualified:
            return True
        new_path = rule.map(binding.path)
        if new_path is None or (new_path.rpartition(".")[2] != binding.local.split(".")[-1] and \
                binding.statement.node.names[binding.index].asname is None):
            return True  # the local name follows the new name: every use is renamed
        prefix = binding.path + "."
        return any(other is not rule and (other.old_path.startswith(prefix) or other.old_path == binding.path)
                   for other in self.rules)

    def _parent_only(self, binding: Binding) -> bool:
        """An import of a package above ruled modules, itself unruled (`from sqlalchemy import
        testing` for a rule on `sqlalchemy.testing.fixtures`)."""
        return binding.rule is None and binding.qualified in self.rules.parents

    def _words(self) -> set[str]:
        """The names whose bindings and reads matter: the ruled imports' local names, and every
        name a fix could bind instead (the new names, the new modules' first and last parts)."""
        return {n.decode() for n in self.rules.needles} | self._locals | self._fix_names()

    def _fix_names(self) -> set[str]:
        """The names a fix may bind: the rules' names and the new modules' first and last parts."""
        words: set[str] = set()
        for rule in self.rules:
            words.update(w for w in (rule.old_name, rule.target_name, rule.new_name) if w)
            if rule.new_module:
                parts = rule.new_module.split(".")
                words.update((parts[0], parts[-1]))
        return words

    def _visit_module(self, tree: ast.Module) -> None:
        builder = ScopeBuilder(self.positions, self.text, self.names, self.word_lines, self._on_node)
        self._builder = builder
        self.scopes = builder.build(tree)
        statement_scopes = builder.statement_scopes
        for statement in self.statements:
            statement.scope = statement_scopes.get(id(statement.node))
        for binding in self.all_bindings:
            alias = binding.statement.node.names[binding.index] if binding.index >= 0 else None
            binding.scope = builder.alias_scopes.get(id(alias), binding.statement.scope)
        self._resolve_uses()
        if not self.with_parents:
            self.needs_parents = any(self._parent_only(b) and any(u.rule is not None for u in b.uses)
                                     for b in self.all_bindings)

    def _walk_body(self, body: list[ast.stmt], top_level: bool, module_body: bool = False) -> None:
        # An emptied module is fine; an emptied block needs `pass`.
        alone = len(body) == 1 and not module_body
        for statement in body:
            self._collect_imports(statement, top_level, alone_in_block=alone)

    def _collect_imports(self, node: ast.AST, top_level: bool, alone_in_block: bool = False) -> None:
        if isinstance(node, ast.stmt) and not touches_lines(self.needle_lines, node):
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            self.import_statement(node, top_level, alone_in_block)
            return
        if isinstance(node, ast.Try | ast.TryStar):
            self._walk_body(node.body, top_level)
            tried = _imported_modules(node.body, self.package)
            for handler in node.handlers:
                fallback = _catches_import_error(handler) and bool(tried)
                if fallback:
                    self.fallback_context.append(tried)
                self._walk_body(handler.body, False)
                if fallback:
                    self.fallback_context.pop()
            self._walk_body(node.orelse, top_level)
            self._walk_body(node.finalbody, top_level)
            return
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, name, ()) or ():
                self._collect_imports(child, False)


@dataclass(frozen=True, slots=True)
class _Chain:
    """A name, the attribute chain it starts (outermost first, the name last), and the
    chain's parent and grandparent."""

    nodes: tuple[ast.AST, ...]
    parent: ast.AST | None
    grandparent: ast.AST | None
    header_of: str | None  # the `async def` whose default, decorator or annotation this is in

    @staticmethod
    def of(stack: list[ast.AST], header_of: str | None) -> _Chain:
        index = len(stack) - 1
        while index > 0 and isinstance(stack[index - 1], ast.Attribute) and \
                stack[index - 1].value is stack[index]:
            index -= 1
        return _Chain(tuple(stack[index:]), stack[index - 1] if index > 0 else None,
                      stack[index - 2] if index > 1 else None, header_of)

    def parents_of(self, k: int) -> tuple[ast.AST | None, ast.AST | None]:
        """Parent and grandparent of ``nodes[k]``."""
        chain = [self.grandparent, self.parent, *self.nodes]
        return chain[k + 1], chain[k]


def _seen_bindings(name: str, scope: Scope,
                   by_scope: dict[tuple[int, str], list[Binding]]) -> list[Binding] | None:
    """The ruled imports a read of ``name`` in ``scope`` sees (by scope id and name)."""
    seen = resolve(name, scope)
    return by_scope.get((id(seen), name)) if seen is not None else None


def _qualified(node: ast.AST, root: str) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([root, *reversed(parts)])


def _dotted_text(node: ast.AST | None) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def analyze_python(text: str, rules: RuleSet, package: str | None = None) -> Analysis:
    """Analyse Python source. Never raises on bad input: unparsable code gets the tolerant scan."""
    analyzer, tree = _analyze(text, rules, package, with_parents=False)
    if analyzer.needs_parents:
        analyzer, tree = _analyze(text, rules, package, with_parents=True)
    if tree is None:
        for statement in tolerant_import_statements(text):
            analyzer.import_statement(statement, top_level=statement.col_offset == 0,
                                      alone_in_block=statement.col_offset != 0)
    analysis = Analysis(
        text=text, parsed=tree is not None, positions=analyzer.positions,
        statements=analyzer.statements, bindings=analyzer.all_bindings, strings=analyzer.strings,
        call_findings=analyzer.call_findings, findings=[], scopes=analyzer.scopes if tree else None,
        exported=frozenset(analyzer.exported), tree=tree, names=analyzer.names,
    )
    analysis.findings = raw_findings(analysis)
    return analysis


def _analyze(text: str, rules: RuleSet, package: str | None,
             with_parents: bool) -> tuple[_Analyzer, ast.Module | None]:
    """Parse as little as possible: the statements that matter of a big file, else the whole
    file; (a fresh analyzer, None) when the code does not parse."""
    analyzer = _Analyzer(text, rules, package, with_parents)
    tree: ast.Module | None = None
    if text.count("\n") >= MIN_LINES:
        try:
            tree = analyzer.run_partial(ChunkedSource(text, analyzer.positions))
        except RecursionError:
            tree = None
        if tree is None:
            analyzer = _Analyzer(text, rules, package, with_parents)
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        if tree is not None:
            tree = _run_full(analyzer, tree)
            if tree is None:
                analyzer = _Analyzer(text, rules, package, with_parents)
    return analyzer, tree


def _run_full(analyzer: _Analyzer, tree: ast.Module) -> ast.Module | None:
    try:
        analyzer.run(tree)
    except RecursionError:
        return None
    return tree


def _line(analysis: Analysis, offset: int) -> int:
    return analysis.positions.line_number(offset)


def raw_findings(analysis: Analysis) -> list[RawFinding]:
    """Findings before suppression and fix planning, in text order."""
    found: list[RawFinding] = []
    for binding in analysis.bindings:
        statement_line = binding.statement.first_line
        if binding.rule is not None:
            message = binding.rule.message_text()
            if binding.index == -1:
                message += "; star import: name what you use"
            found.append(RawFinding(binding.rule, FindingKind.IMPORT, binding.start, binding.end,
                                    binding.group, message, _line(analysis, binding.start),
                                    statement_line))
        for use in binding.uses:
            rule = use.rule
            if rule is None or use.start is None or use.end is None or not use_needs_change(use):
                continue
            found.append(RawFinding(rule, FindingKind.REFERENCE, use.start, use.end, binding.group,
                                    rule.message_text(), use.line, use.line))
    for rule, use in analysis.call_findings:
        assert use.start is not None and use.end is not None
        found.append(RawFinding(rule, FindingKind.REFERENCE, use.start, use.end,
                                f"call:{use.start}", rule.message_text(), use.line, use.line))
    for target in analysis.strings:
        found.append(RawFinding(target.rule, FindingKind.STRING, target.start, target.end,
                                f"string:{target.start}", target.rule.message_text(),
                                _line(analysis, target.start), _line(analysis, target.start)))
    found.sort(key=lambda f: (f.start, f.rule.code))
    return found


def use_needs_change(use: Use) -> bool:
    """A use is its own finding when the text at the use must change (not just the import)."""
    rule = use.rule
    assert rule is not None
    binding = use.binding
    if binding.is_module:
        # `m.anything` of a flagged module import is flagged at the import; a use of a name
        # rule, or one reached through a package no rule flags, is a finding of its own.
        return rule is not binding.rule or rule.old_name is not None
    if rule.is_call_rule:
        return False  # reported by the call rule only when the keyword is passed
    renamed = binding.local == (rule.old_name or "") and rule.target_name != rule.old_name
    if renamed:
        return True
    return use.call is not None and (rule.awaitable or rule.calls == "report" or keywords_change(use, rule))


def keywords_change(use: Use, rule: Rule) -> bool:
    if use.call is None or not (rule.rename_keywords or rule.drop_keywords):
        return False
    passed = {k.arg for k in use.call.node.keywords}
    return bool(passed & (set(rule.rename_keywords) | set(rule.drop_keywords)))
