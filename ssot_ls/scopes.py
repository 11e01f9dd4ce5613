"""Python's scopes, statically: which scope binds a name, and which binding a use sees.

A fix may only introduce or remove a binding after checking, scope by scope, that no other
use changes what it refers to. This module knows Python's rules for that: function, lambda,
class and comprehension scopes; class bodies invisible from the functions inside them;
`global`/`nonlocal`; parameters, defaults, decorators and annotations (evaluated in the
enclosing scope); the first iterable of a comprehension (likewise); walrus targets (bound in
the enclosing function); `del`, `except … as`, `match` captures; star imports; and names in
string annotations.

Only the names the caller asks about are tracked, and only the statements on the lines it
names are visited (a name can only be bound or read where it is spelled), so the cost is
that of the statements that matter, not of the file.
"""

from __future__ import annotations

import ast
import bisect
import enum
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

from ssot_ls.positions import AstPositions


class ScopeKind(enum.Enum):
    MODULE = "module"
    FUNCTION = "function"
    LAMBDA = "lambda"
    CLASS = "class"
    COMPREHENSION = "comprehension"  # list, set and dict comprehensions
    GENERATOR = "generator expression"


@dataclass(eq=False, slots=True)
class Site:
    """One place that binds a name: an import alias, an assignment, a parameter, ..."""

    kind: str  # "import", "assign", "def", "class", "parameter", "for", "with", "except", ...
    line: int
    node: ast.AST | None = None  # the `ast.alias` of an import
    statement: ast.Import | ast.ImportFrom | None = None  # the import statement of that alias
    # Inside `if`/`try`/a loop of its scope (`if TYPE_CHECKING:` imports never run): a read
    # elsewhere cannot count on it.
    conditional: bool = False


@dataclass(eq=False)
class Scope:
    kind: ScopeKind
    name: str
    parent: Scope | None
    line: int = 0
    is_async: bool = False
    bindings: dict[str, list[Site]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    star_import_lines: list[int] = field(default_factory=list)

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    @property
    def is_function_like(self) -> bool:
        return self.kind is not ScopeKind.MODULE and self.kind is not ScopeKind.CLASS

    def describe(self) -> str:
        """How a message names this scope: "`load`", "class `C`", "a lambda"."""
        if self.kind is ScopeKind.MODULE:
            return "module-level code"
        if self.kind is ScopeKind.CLASS:
            return f"class `{self.name}`"
        if self.kind is ScopeKind.FUNCTION:
            return f"`{self.name}`"
        return f"a {self.kind.value}"

    def awaits_allowed(self) -> bool:
        """Can an expression evaluated in this scope be awaited without changing its meaning?

        Only in the body of an `async def`, or a list/set/dict comprehension there. A generator
        expression would turn into an async generator; a lambda or class body cannot await."""
        scope: Scope | None = self
        while scope is not None and scope.kind is ScopeKind.COMPREHENSION:
            scope = scope.parent
        return scope is not None and scope.kind is ScopeKind.FUNCTION and scope.is_async


@dataclass(eq=False, slots=True)
class Load:
    """A read of a tracked name. ``start``/``end`` is None when the text at the use cannot be
    rewritten in place (a string annotation with escapes, say): it still counts as a use."""

    name: str
    scope: Scope
    line: int
    start: int | None
    end: int | None
    node: ast.Name | None = None
    in_annotation: bool = False


def resolve(name: str, scope: Scope, extra: Scope | None = None) -> Scope | None:
    """The scope whose binding of ``name`` a read in ``scope`` sees (None: a builtin or
    undefined). ``extra``: pretend that scope binds ``name`` too (a binding a fix would add)."""
    current: Scope | None = scope
    nearest = True
    while current is not None:
        if current.kind is ScopeKind.CLASS and not nearest:
            current = current.parent  # class bodies are invisible to the scopes inside them
            continue
        if name in current.declared_global and current.parent is not None:
            module = current.module
            return module if name in module.bindings or module is extra else None
        if name not in current.declared_nonlocal and (name in current.bindings or current is extra):
            return current
        current = current.parent
        nearest = False
    return None


class ScopeMap:
    """The scopes of one module and the reads and bindings of the tracked names."""

    def __init__(self, module: Scope) -> None:
        self.module = module
        self.loads: dict[str, list[Load]] = {}
        self.scopes: list[Scope] = [module]

    def loads_of(self, name: str) -> list[Load]:
        return self.loads.get(name, [])

    def sites(self, name: str) -> Iterator[tuple[Scope, Site]]:
        for scope in self.scopes:
            for site in scope.bindings.get(name, ()):
                yield scope, site


# Where each kind of statement keeps the names it binds and the parts evaluated around it.
_TARGET_KINDS = {ast.For: "for", ast.AsyncFor: "for", ast.With: "with", ast.AsyncWith: "with"}
# Statements whose bodies may not run, or not to their end.
_CONDITIONAL = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.TryStar, ast.Match)
_COMPREHENSIONS = {ast.ListComp: ScopeKind.COMPREHENSION, ast.SetComp: ScopeKind.COMPREHENSION,
                   ast.DictComp: ScopeKind.COMPREHENSION, ast.GeneratorExp: ScopeKind.GENERATOR}


class ScopeBuilder:
    """Walks a module once, building its scopes for the ``names`` asked about.

    ``lines``: sorted 1-based line numbers; statements touching none of them are skipped (None:
    visit everything). ``on_node(node, scope, stack)`` is called for every visited expression
    node (the stack holds its ancestors), so the caller's analysis rides the same walk."""

    def __init__(self, positions: AstPositions, text: str, names: Collection[str],
                 lines: list[int] | None = None,
                 on_node: Callable[[ast.AST, Scope, list[ast.AST]], None] | None = None) -> None:
        self.positions = positions
        self.text = text
        self.names = names
        self.lines = lines
        self.on_node = on_node
        self.stack: list[ast.AST] = []
        self.map: ScopeMap | None = None
        self.statement_scopes: dict[int, Scope] = {}  # id of an import statement -> its scope
        # id of an import alias -> the scope its name binds in (a `global` one: the module)
        self.alias_scopes: dict[int, Scope] = {}
        self.in_annotation = False
        self._conditional = 0  # depth of `if`/`try`/loops around the statement, in its scope
        # The `async def` whose header (decorators, defaults, annotations) is being visited:
        # evaluated outside its coroutine, however async it is.
        self.header_of: str | None = None

    # -- entry -------------------------------------------------------------------------------
    def build(self, tree: ast.Module) -> ScopeMap:
        module = Scope(ScopeKind.MODULE, "<module>", None)
        self.map = ScopeMap(module)
        self._body(tree.body, module)
        return self.map

    def touches(self, node: ast.AST) -> bool:
        return touches_lines(self.lines, node)

    # -- bindings ----------------------------------------------------------------------------
    def bind(self, name: str, scope: Scope, kind: str, line: int, node: ast.AST | None = None,
             statement: ast.Import | ast.ImportFrom | None = None) -> Scope | None:
        """Record a binding; return the scope it binds in (`global`/`nonlocal` move it)."""
        if name not in self.names:
            return None
        target = scope
        if name in scope.declared_global and scope.parent is not None:
            target = scope.module
        elif name in scope.declared_nonlocal and scope.parent is not None:
            found = resolve(name, scope.parent)
            target = found if found is not None else scope.parent
        target.bindings.setdefault(name, []).append(
            Site(kind, line, node, statement, self._conditional > 0))
        return target

    def _bind_target(self, target: ast.AST, scope: Scope, kind: str) -> None:
        """Assignment targets: names bind; attributes and subscripts are reads of their base."""
        if isinstance(target, ast.Name):
            self.bind(target.id, scope, kind, target.lineno)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind_target(element, scope, kind)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, scope, kind)
        else:
            self._expr(target, scope)

    def _in_new_scope(self, body: list[ast.stmt], scope: Scope) -> None:
        """A scope's own body runs from its start: nothing around the definition makes its
        statements conditional."""
        outer, self._conditional = self._conditional, 0
        try:
            self._body(body, scope)
        finally:
            self._conditional = outer

    def _new_scope(self, kind: ScopeKind, name: str, parent: Scope, node: ast.AST,
                   is_async: bool = False) -> Scope:
        assert self.map is not None
        scope = Scope(kind, name, parent, getattr(node, "lineno", 0), is_async)
        self.map.scopes.append(scope)
        return scope

    # -- statements --------------------------------------------------------------------------
    def _body(self, body: list[ast.stmt], scope: Scope) -> None:
        for statement in body:
            if self.touches(statement):
                self._statement(statement, scope)

    def _statement(self, node: ast.stmt, scope: Scope) -> None:
        self.stack.append(node)
        conditional = isinstance(node, _CONDITIONAL)
        self._conditional += conditional
        try:
            self._statement_inner(node, scope)
        finally:
            self._conditional -= conditional
            self.stack.pop()

    def _statement_inner(self, node: ast.stmt, scope: Scope) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._function(node, scope)
        elif isinstance(node, ast.ClassDef):
            for expression in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
                self._expr(expression, scope)
            self.bind(node.name, scope, "class", node.lineno)
            self._in_new_scope(node.body, self._new_scope(ScopeKind.CLASS, node.name, scope, node))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self._import(node, scope)
        elif isinstance(node, ast.Global):
            scope.declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.declared_nonlocal.update(node.names)
        elif isinstance(node, ast.Assign):
            self._expr(node.value, scope)
            for target in node.targets:
                self._bind_target(target, scope, "assign")
        elif isinstance(node, ast.AugAssign):
            self._expr(node.value, scope)
            if isinstance(node.target, ast.Name):
                # `x += 1` reads x, then binds it.
                self._load(node.target, scope)
            self._bind_target(node.target, scope, "assign")
        elif isinstance(node, ast.AnnAssign):
            self._annotation(node.annotation, scope)
            if node.value is not None:
                self._expr(node.value, scope)
            self._bind_target(node.target, scope, "assign")
        elif isinstance(node, ast.For | ast.AsyncFor):
            self._expr(node.iter, scope)
            self._bind_target(node.target, scope, "for")
            self._body(node.body, scope)
            self._body(node.orelse, scope)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                self._expr(item.context_expr, scope)
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, scope, "with")
            self._body(node.body, scope)
        elif isinstance(node, ast.Try | ast.TryStar):
            self._body(node.body, scope)
            for handler in node.handlers:
                if handler.type is not None:
                    self._expr(handler.type, scope)
                if handler.name:
                    self.bind(handler.name, scope, "except", handler.lineno)
                self._body(handler.body, scope)
            self._body(node.orelse, scope)
            self._body(node.finalbody, scope)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._bind_target(target, scope, "del")
        elif isinstance(node, ast.Match):
            self._expr(node.subject, scope)
            for case in node.cases:
                self._pattern(case.pattern, scope)
                if case.guard is not None:
                    self._expr(case.guard, scope)
                self._body(case.body, scope)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    if self.touches(child):
                        self._statement(child, scope)
                elif isinstance(child, ast.expr):
                    self._expr(child, scope)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        outer = self.header_of
        if isinstance(node, ast.AsyncFunctionDef):
            self.header_of = node.name
        try:
            for decorator in node.decorator_list:
                self._expr(decorator, scope)
            arguments = node.args
            for default in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]:
                self._expr(default, scope)
            for argument in _all_arguments(arguments):
                if argument.annotation is not None:
                    self._annotation(argument.annotation, scope)
            if node.returns is not None:
                self._annotation(node.returns, scope)
        finally:
            self.header_of = outer
        self.bind(node.name, scope, "def", node.lineno)
        inner = self._new_scope(ScopeKind.FUNCTION, node.name, scope, node,
                                isinstance(node, ast.AsyncFunctionDef))
        for argument in _all_arguments(node.args):
            self.bind(argument.arg, inner, "parameter", argument.lineno)
        self._in_new_scope(node.body, inner)

    def _import(self, node: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        self.statement_scopes[id(node)] = scope
        for alias in node.names:
            if alias.name == "*":
                scope.star_import_lines.append(node.lineno)
                continue
            local = alias.asname or alias.name.split(".")[0]
            target = self.bind(local, scope, "import", node.lineno, alias, node)
            if target is not None:
                self.alias_scopes[id(alias)] = target

    def _pattern(self, pattern: ast.pattern, scope: Scope) -> None:
        for node in ast.walk(pattern):
            if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
                self.bind(node.name, scope, "match", node.lineno)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                self.bind(node.rest, scope, "match", node.lineno)
            elif isinstance(node, ast.MatchValue):
                self._expr(node.value, scope)
            elif isinstance(node, ast.MatchClass):
                self._expr(node.cls, scope)
            elif isinstance(node, ast.MatchMapping):
                for key in node.keys:
                    self._expr(key, scope)

    # -- expressions -------------------------------------------------------------------------
    def _expr(self, node: ast.AST, scope: Scope) -> None:
        self.stack.append(node)
        try:
            self._expr_inner(node, scope)
        finally:
            self.stack.pop()

    def _expr_inner(self, node: ast.AST, scope: Scope) -> None:
        if self.on_node is not None:
            self.on_node(node, scope, self.stack)
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self._load(node, scope)
            else:
                self.bind(node.id, scope, "del" if isinstance(node.ctx, ast.Del) else "assign", node.lineno)
            return
        if isinstance(node, ast.Lambda):
            arguments = node.args
            for default in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]:
                self._expr(default, scope)
            inner = self._new_scope(ScopeKind.LAMBDA, "lambda", scope, node)
            for argument in _all_arguments(arguments):
                self.bind(argument.arg, inner, "parameter", argument.lineno)
            self._expr(node.body, inner)
            return
        kind = _COMPREHENSIONS.get(type(node))
        if kind is not None:
            self._comprehension(node, kind, scope)
            return
        if isinstance(node, ast.NamedExpr):
            self._expr(node.value, scope)
            target = scope
            while target.kind in (ScopeKind.COMPREHENSION, ScopeKind.GENERATOR) and target.parent:
                target = target.parent  # a walrus in a comprehension binds outside it
            self.bind(node.target.id, target, "assign", node.lineno)
            return
        for child in ast.iter_child_nodes(node):
            self._expr(child, scope)

    def _comprehension(self, node: ast.AST, kind: ScopeKind, scope: Scope) -> None:
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        self._expr(generators[0].iter, scope)  # evaluated before the comprehension's scope exists
        inner = self._new_scope(kind, kind.value, scope, node)
        for index, generator in enumerate(generators):
            if index:
                self._expr(generator.iter, inner)
            self._bind_target(generator.target, inner, "for")
            for condition in generator.ifs:
                self._expr(condition, inner)
        if isinstance(node, ast.DictComp):
            self._expr(node.key, inner)
            self._expr(node.value, inner)
        else:
            self._expr(node.elt, inner)  # type: ignore[attr-defined]

    def _load(self, node: ast.Name, scope: Scope) -> None:
        if node.id not in self.names:
            return
        assert self.map is not None
        start, end = self.positions.node_range(node)
        self.map.loads.setdefault(node.id, []).append(Load(node.id, scope, node.lineno, start, end, node))

    def _annotation(self, node: ast.expr, scope: Scope) -> None:
        """An annotation reads its names; so does a string annotation (`x: "Client"`)."""
        outer, self.in_annotation = self.in_annotation, True
        try:
            self._expr(node, scope)
        finally:
            self.in_annotation = outer
        for constant in ast.walk(node):
            if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                self._string_annotation(constant, scope)

    def _string_annotation(self, constant: ast.Constant, scope: Scope) -> None:
        value = constant.value
        if not any(name in value for name in self.names):
            return
        try:
            parsed = ast.parse(value.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        origin = self._string_origin(constant)
        assert self.map is not None
        lead = len(value) - len(value.lstrip())
        for node in ast.walk(parsed):
            if not (isinstance(node, ast.Name) and node.id in self.names):
                continue
            start = end = None
            if origin is not None and node.lineno == 1:
                column = len(value.strip().encode()[:node.col_offset].decode("utf-8", "replace"))
                start = origin + lead + column
                end = start + len(node.id)
                if self.text[start:end] != node.id:
                    start = end = None
            self.map.loads.setdefault(node.id, []).append(
                Load(node.id, scope, constant.lineno, start, end, None, in_annotation=True))

    def _string_origin(self, constant: ast.Constant) -> int | None:
        """Offset of a plain one-line string literal's first character of content; None when
        its source is not simply quote + value + quote (escapes, prefixes, concatenation)."""
        start, end = self.positions.node_range(constant)
        raw = self.text[start:end]
        for quote in ('"""', "'''", '"', "'"):
            if raw.startswith(quote) and raw.endswith(quote) and len(raw) >= 2 * len(quote):
                if raw[len(quote):len(raw) - len(quote)] == constant.value and "\\" not in raw:
                    return start + len(quote)
                return None
        return None


def touches_lines(lines: list[int] | None, node: ast.AST) -> bool:
    """Does ``node`` (a statement, decorators included) span one of the sorted ``lines``?"""
    if lines is None or not hasattr(node, "end_lineno"):
        return True
    first = node.lineno
    decorators = getattr(node, "decorator_list", None)
    if decorators:  # decorators sit above the `def` line
        first = min(first, *(d.lineno for d in decorators))
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= node.end_lineno


def _all_arguments(arguments: ast.arguments) -> list[ast.arg]:
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    if arguments.vararg is not None:
        every.append(arguments.vararg)
    if arguments.kwarg is not None:
        every.append(arguments.kwarg)
    return every
