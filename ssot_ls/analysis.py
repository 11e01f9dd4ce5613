"""Which rule matches where, in one piece of Python source (a file or a Markdown fence).

Detection uses the stdlib `ast` (several times faster than LibCST); LibCST is only used
when a fix is actually computed (see `fixes.py`). The result, `Analysis`, keeps what the fixer
needs: the import statements, the bindings they create and every use that must change.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field

from ssot_ls.chunks import MIN_LINES, ChunkedSource
from ssot_ls.positions import AstPositions, split_lines
from ssot_ls.rules import Rule, RuleSet
from ssot_ls.tolerant import tolerant_import_statements
from ssot_ls.types import FindingKind

# `mock.patch("a.b.c")`, `patch.object(a.b, "c")`, `importlib.import_module("a.b")`
_PATCH_FUNCS = {"patch", "import_module", "__import__"}
_SUPPRESSION = re.compile(
    r"#\s*(?:ssot:\s*ignore(?:\[(?P<ssot>[^\]]*)\])?|noqa(?::\s*(?P<noqa>[A-Za-z0-9_\-, ]+))?)",
)
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


@dataclass(eq=False)
class Binding:
    """A local name bound by one alias of an import that touches a rule."""

    statement: ImportStatement
    index: int  # alias position in the statement
    local: str
    qualified: str  # what the local name refers to, e.g. "pkg.mod" or "pkg.mod.name"
    is_module: bool  # `import a.b [as m]` or `from a import b` where a.b is a ruled module
    start: int  # the alias (`name as x`) in the text
    end: int
    rule: Rule | None = None  # the rule flagging the import itself, if any
    uses: list[Use] = field(default_factory=list)

    @property
    def group(self) -> str:
        return f"import:{self.statement.start}:{self.index}"


@dataclass(eq=False)
class Use:
    """An expression naming a ruled name through a binding: `name`, `m.name`, `a.b.name`."""

    binding: Binding
    start: int
    end: int
    qualified: str
    rule: Rule | None  # name rule that maps this use, None if unmapped
    call: Call | None = None  # set when the expression is the callee of a call


@dataclass(eq=False)
class Call:
    start: int
    end: int
    node: ast.Call
    awaited: bool  # already inside `await`
    needs_parens: bool  # `(await f()).x`, `(await f())[0]`, `(await f())()`
    async_context: bool  # innermost function is `async def` (await is allowed here)
    caller: str | None  # name of the enclosing function, for messages


@dataclass(eq=False)
class StringTarget:
    start: int  # the string's contents (inside the quotes)
    end: int
    value: str
    replacement: str | None
    rule: Rule


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
    bound_names: dict[str, int]  # how many times each name is bound anywhere in the file
    name_loads: dict[str, int]  # how many times each name is read anywhere in the file
    tree: ast.Module | None = None


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


class _Analyzer:
    def __init__(self, text: str, rules: RuleSet, package: str | None) -> None:
        self.text = text
        self.rules = rules
        self.package = package
        self.positions = AstPositions(text)
        self.statements: list[ImportStatement] = []
        self.bindings: dict[str, Binding] = {}
        self.all_bindings: list[Binding] = []
        self.strings: list[StringTarget] = []
        self.call_findings: list[tuple[Rule, Use]] = []
        self.bound_names: dict[str, int] = {}
        self.name_loads: dict[str, int] = {}
        # Modules imported by the `try:` bodies around the current `except ImportError:`.
        self.fallback_context: list[set[str]] = []
        self.function_stack: list[tuple[str, bool]] = []  # (name, is_async)
        # Sorted 1-based lines that can matter; statements elsewhere are skipped unvisited.
        self.needle_lines: list[int] | None = None
        self.word_lines: list[int] | None = None

    def lines_with(self, words: set[str]) -> list[int]:
        """Sorted 1-based lines on which one of ``words`` stands as a whole word."""
        text = self.text
        line_number = self.positions.line_number
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

    @staticmethod
    def _touches(lines: list[int] | None, node: ast.AST) -> bool:
        if lines is None or not hasattr(node, "end_lineno"):
            return True
        first = node.lineno
        decorators = getattr(node, "decorator_list", None)
        if decorators:  # decorators sit above the `def` line
            first = min(first, *(d.lineno for d in decorators))
        index = bisect.bisect_left(lines, first)
        return index < len(lines) and lines[index] <= node.end_lineno

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
                qualified = alias.name
                local = alias.asname or alias.name.split(".")[0]
                is_module = True
                rule = self.rules.module_rule(alias.name)
                if alias.asname is None:
                    qualified = alias.name.split(".")[0]
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
                qualified = f"{module}.{alias.name}"
                # `from pkg import mod` where pkg.mod is itself a ruled module binds a module;
                # a name imported from a ruled module is just a name.
                is_module = qualified in self.rules.modules and (module, alias.name) not in self.rules.by_name
                rule = self.rules.by_module.get(qualified) if is_module else \
                    self.rules.rule_for(module, alias.name)
            if rule is not None and self._exempt(rule, in_fallback):
                continue
            binding = Binding(statement, index, local, qualified, is_module, alias_start, alias_end, rule)
            self.all_bindings.append(binding)
            self.bindings[local] = binding

    def _exempt(self, rule: Rule, in_fallback: bool) -> bool:
        """A compatibility fallback after the canonical import was tried is not a use."""
        if not in_fallback:
            return False
        tried = self.fallback_context[-1]
        if rule.new_module is None:
            return bool(tried)
        return any(m == rule.new_module or m.startswith(rule.new_module + ".") for m in tried)

    def _star(self, statement: ImportStatement, rule: Rule, start: int, end: int) -> None:
        binding = Binding(statement, -1, "*", statement.module or "", True, start, end, rule)
        self.all_bindings.append(binding)

    # -- expressions -------------------------------------------------------------------
    def qualified_name(self, node: ast.expr) -> tuple[str, Binding] | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        binding = self.bindings.get(node.id)
        if binding is None:
            return None
        parts.append(binding.qualified)
        return ".".join(reversed(parts)), binding

    def reference(self, node: ast.expr, parent: ast.AST | None, grandparent: ast.AST | None) -> bool:
        """Record `node` if it names something ruled; True when it was handled."""
        resolved = self.qualified_name(node)
        if resolved is None:
            return False
        qualified, binding = resolved
        module, _, name = qualified.rpartition(".")
        rule = self.rules.by_name.get((module, name))
        call_rule = self.rules.call_rules.get((module, name))
        if binding.is_module and rule is None and call_rule is None and qualified != binding.qualified \
                and self.rules.module_rule(qualified) is None:
            return False  # an attribute the rules do not know: not a use of anything ruled
        start, end = self.positions.node_range(node)
        call = None
        if isinstance(parent, ast.Call) and parent.func is node:
            call = self._call(parent, grandparent)
        use = Use(binding, start, end, qualified, rule, call)
        binding.uses.append(use)
        if call_rule is not None and call is not None and any(
            k.arg == call_rule.when_keyword for k in call.node.keywords
        ):
            self.call_findings.append((call_rule, use))
        return True

    def _dunder_all(self, node: ast.Assign | ast.AugAssign | ast.AnnAssign) -> None:
        """`__all__ = ["name"]` exports a ruled name: the string follows a rename."""
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return
        if not isinstance(node.value, ast.List | ast.Tuple):
            return
        for element in node.value.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                continue
            binding = self.bindings.get(element.value)
            if binding is None or binding.is_module:
                continue
            module, _, name = binding.qualified.rpartition(".")
            rule = self.rules.by_name.get((module, name))
            start, end = self.positions.node_range(element)
            if rule is not None and self.text[start + 1:end - 1] == element.value:
                binding.uses.append(Use(binding, start + 1, end - 1, binding.qualified, rule))

    def _call(self, node: ast.Call, parent: ast.AST | None) -> Call:
        start, end = self.positions.node_range(node)
        awaited = isinstance(parent, ast.Await)
        needs_parens = (
            isinstance(parent, ast.Attribute | ast.Subscript)
            and getattr(parent, "value", None) is node
        ) or (isinstance(parent, ast.Call) and parent.func is node)
        name, is_async = self.function_stack[-1] if self.function_stack else (None, False)
        return Call(start, end, node, awaited, needs_parens, is_async, name)

    def string_target(self, node: ast.Call) -> None:
        func = node.func
        func_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if func_name == "object" and isinstance(func, ast.Attribute):
            self._patch_object(node)
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
        value = target.value
        if not self.rules.may_match(value):
            return
        rule, replacement = self._map_dotted(value)
        if rule is None or not rule.strings:
            return
        start, end = self.positions.node_range(target)
        raw = self.text[start:end]
        # Offsets of the contents: only plain one-line literals whose source equals the value.
        inner_start = raw.find(value)
        if inner_start < 0 or "\\" in raw:
            return
        self.strings.append(StringTarget(start + inner_start, start + inner_start + len(value),
                                         value, replacement, rule))

    def _patch_object(self, node: ast.Call) -> None:
        """`patch.object(module, "name")` patches a ruled name: flag the name string."""
        if len(node.args) < 2:
            return
        target, attribute = node.args[0], node.args[1]
        if not (isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)):
            return
        resolved = self.qualified_name(target)
        if resolved is None:
            return
        qualified = f"{resolved[0]}.{attribute.value}"
        module, _, name = qualified.rpartition(".")
        rule = self.rules.by_name.get((module, name))
        if rule is None or not rule.strings:
            return
        start, end = self.positions.node_range(attribute)
        self.strings.append(StringTarget(start + 1, end - 1, attribute.value, None, rule))

    def _map_dotted(self, value: str) -> tuple[Rule | None, str | None]:
        """Longest ruled prefix of a dotted path, and the path it becomes."""
        parts = value.split(".")
        for cut in range(len(parts), 0, -1):
            module, rest = ".".join(parts[:cut]), parts[cut:]
            if rest:
                rule = self.rules.by_name.get((module, rest[0]))
                if rule is not None:
                    if rule.new_module is None:
                        return rule, None
                    return rule, ".".join([rule.new_module, rule.target_name or rest[0], *rest[1:]])
            rule = self.rules.by_module.get(module)
            if rule is not None:
                if rule.new_module is None:
                    return rule, None
                return rule, ".".join([rule.new_module, *rest])
        return None, None

    # -- traversal ---------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        self.needle_lines = self.lines_with(self._needles())
        self._walk_body(tree.body, top_level=True, module_body=True)
        self.word_lines = self.lines_with(self._words())
        self._visit_module(tree)

    def run_partial(self, chunks: ChunkedSource) -> ast.Module | None:
        """The same as `run`, parsing only the top-level statements on interesting lines;
        None when one of them does not parse (the caller then parses the whole file)."""
        self.needle_lines = self.lines_with(self._needles())
        if not chunks.parse(self.needle_lines):
            return None
        self._walk_body(chunks.module().body, top_level=True, module_body=True)
        self.word_lines = self.lines_with(self._words())
        if not chunks.parse(self.word_lines):
            return None
        tree = chunks.module()
        self._visit_module(tree)
        return tree

    def _needles(self) -> set[str]:
        return {n.decode() for n in self.rules.needles}

    def _words(self) -> set[str]:
        """Words on the lines that can hold a use, or matter to a fix (bound names, the
        canonical imports a fix merges into)."""
        words = self._needles() | set(self.bindings) | {b.local for b in self.all_bindings}
        for rule in self.rules:
            words.update(w for w in (rule.target_name, rule.new_name) if w)
            if rule.new_module:
                words.add(rule.new_module.rsplit(".", 1)[-1])
        return words

    def _visit_module(self, tree: ast.Module) -> None:
        # Expressions, now that every import binding is known: only statements on lines
        # that name a binding, a needle or a replacement name can hold anything we report.
        for statement in tree.body:
            if self._touches(self.word_lines, statement):
                self._visit(statement, tree, None)

    def _walk_body(self, body: list[ast.stmt], top_level: bool, module_body: bool = False) -> None:
        # An emptied module is fine; an emptied block needs `pass`.
        alone = len(body) == 1 and not module_body
        for statement in body:
            self._collect_imports(statement, top_level, alone_in_block=alone)

    def _collect_imports(self, node: ast.AST, top_level: bool, alone_in_block: bool = False) -> None:
        if isinstance(node, ast.stmt) and not self._touches(self.needle_lines, node):
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

    def _visit(self, node: ast.AST, parent: ast.AST | None, grandparent: ast.AST | None) -> None:
        # Iterative enough for real files; recursion depth follows expression nesting.
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.name_loads[node.id] = self.name_loads.get(node.id, 0) + 1
                if node.id in self.bindings:
                    self.reference(node, parent, grandparent)
            else:
                self.bound_names[node.id] = self.bound_names.get(node.id, 0) + 1
            return
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and self.bindings:
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in self.bindings \
                    and self._attribute_reference(node, parent, grandparent):
                self.name_loads[root.id] = self.name_loads.get(root.id, 0) + 1
                return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.bound_names[node.name] = self.bound_names.get(node.name, 0) + 1
        elif isinstance(node, ast.arg):
            self.bound_names[node.arg] = self.bound_names.get(node.arg, 0) + 1
        elif isinstance(node, ast.alias) and node.name != "*":
            local = node.asname or node.name.split(".")[0]
            self.bound_names[local] = self.bound_names.get(local, 0) + 1
        elif isinstance(node, ast.Call):
            self.string_target(node)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            self._dunder_all(node)
        pushed = False
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.function_stack.append((node.name, isinstance(node, ast.AsyncFunctionDef)))
            pushed = True
        elif isinstance(node, ast.Lambda | ast.GeneratorExp | ast.ClassDef):
            name = "lambda" if isinstance(node, ast.Lambda) else (
                "generator expression" if isinstance(node, ast.GeneratorExp) else node.name)
            self.function_stack.append((name, False))
            pushed = True
        word_lines = self.word_lines
        for child in ast.iter_child_nodes(node):
            if word_lines is not None and isinstance(child, ast.stmt) \
                    and not self._touches(word_lines, child):
                continue
            self._visit(child, node, parent)
        if pushed:
            self.function_stack.pop()

    def _attribute_reference(self, node: ast.Attribute, parent: ast.AST | None,
                             grandparent: ast.AST | None) -> bool:
        """Record the shortest prefix of an attribute chain that names a ruled thing."""
        chain: list[ast.expr] = []  # outermost first
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            chain.append(current)
            current = current.value
        for k in range(len(chain) - 1, -1, -1):
            candidate = chain[k]
            resolved = self.qualified_name(candidate)
            if resolved is None:
                return False
            qualified, binding = resolved
            if not binding.is_module:
                return False  # `name.attr` on a ruled name: the Name visit records the name
            module, _, name = qualified.rpartition(".")
            named = (module, name) in self.rules.by_name or (module, name) in self.rules.call_rules
            if named or k == 0:
                the_parent = chain[k - 1] if k > 0 else parent
                the_grandparent = chain[k - 2] if k > 1 else (parent if k == 1 else grandparent)
                return self.reference(candidate, the_parent, the_grandparent)
        return False

def analyze_python(text: str, rules: RuleSet, package: str | None = None) -> Analysis:
    """Analyse Python source. Never raises on bad input: unparsable code gets the tolerant scan."""
    analyzer = _Analyzer(text, rules, package)
    tree: ast.Module | None = None
    if text.count("\n") >= MIN_LINES:
        try:
            tree = analyzer.run_partial(ChunkedSource(text, analyzer.positions))
        except RecursionError:
            tree = None
        if tree is None:
            analyzer = _Analyzer(text, rules, package)
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        if tree is not None:
            tree = _run_full(analyzer, tree)
            if tree is None:
                analyzer = _Analyzer(text, rules, package)
    if tree is None:
        for statement in tolerant_import_statements(text):
            analyzer.import_statement(statement, top_level=statement.col_offset == 0,
                                      alone_in_block=statement.col_offset != 0)
    analysis = Analysis(
        text=text, parsed=tree is not None, positions=analyzer.positions,
        statements=analyzer.statements, bindings=analyzer.all_bindings, strings=analyzer.strings,
        call_findings=analyzer.call_findings, findings=[], bound_names=analyzer.bound_names,
        name_loads=analyzer.name_loads, tree=tree,
    )
    analysis.findings = raw_findings(analysis)
    return analysis


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
            if rule is None or not _use_needs_change(use):
                continue
            found.append(RawFinding(rule, FindingKind.REFERENCE, use.start, use.end, binding.group,
                                    rule.message_text(), _line(analysis, use.start),
                                    _line(analysis, use.start)))
    for rule, use in analysis.call_findings:
        found.append(RawFinding(rule, FindingKind.REFERENCE, use.start, use.end,
                                f"call:{use.start}", rule.message_text(),
                                _line(analysis, use.start), _line(analysis, use.start)))
    for target in analysis.strings:
        found.append(RawFinding(target.rule, FindingKind.STRING, target.start, target.end,
                                f"string:{target.start}", target.rule.message_text(),
                                _line(analysis, target.start), _line(analysis, target.start)))
    found.sort(key=lambda f: (f.start, f.rule.code))
    return found


def _use_needs_change(use: Use) -> bool:
    """A use is its own finding when the text at the use must change (not just the import)."""
    rule = use.rule
    assert rule is not None
    if use.binding.is_module:
        return True  # `factory.create_x`: the module import goes away
    if rule.is_call_rule:
        return False  # reported by the call rule only when the keyword is passed
    renamed = use.binding.local == (rule.old_name or "") and rule.target_name != rule.old_name
    if renamed:
        return True
    return use.call is not None and (rule.awaitable or rule.calls == "report" or keywords_change(use, rule))


def keywords_change(use: Use, rule: Rule) -> bool:
    if use.call is None or not (rule.rename_keywords or rule.drop_keywords):
        return False
    passed = {k.arg for k in use.call.node.keywords}
    return bool(passed & (set(rule.rename_keywords) | set(rule.drop_keywords)))

