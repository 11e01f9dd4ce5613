"""The qualified name each use of an imported name resolves to, scope by scope, with `ast` only.

Independent of ssot-ls on purpose: it is the yardstick the fixes are measured with, so it shares
no code with the engine. What it models (Python's own rules, flow-insensitively):

- module, function, lambda, class and comprehension scopes; class bodies are invisible to the
  functions and comprehensions nested in them; `global` / `nonlocal`;
- every kind of binding: assignments, `for`/`with`/`except … as`, parameters, `def`/`class`,
  `del`, walrus (into the nearest non-comprehension scope), `match` captures, imports;
- `import a.b` binds `a` (so `a.b.c` resolves to `a.b.c`), `import a.b as x` binds `x = a.b`,
  `from m import n as k` binds `k = m.n`, relative imports resolved from the file's package
  (the package root is the first folder upward without `__init__.py`);
- a name that nothing binds resolves to `builtins.NAME` when it is a builtin (so `six.text_type`
  replaced by `str` compares equal to a rule `six:text_type -> builtins:str`).

A name that one scope binds several times by import (`try: import a` / `except: import b as a`)
resolves to all of its targets, joined with `|`. A name that a scope binds by something other
than an import is a local and resolves to nothing, even if the same scope also imports it —
except that an import wins over a fallback `def`/assignment of the same name (the stub pattern),
since flow-insensitively the name may be the imported object.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

BUILTIN_NAMES = frozenset(dir(builtins))

# A string whose whole value is a dotted path ("pkg.mod.name" or "pkg.mod:name"): how
# mock.patch targets, settings and entry points name code. Prose never matches.
DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)?")


@dataclass(frozen=True)
class Use:
    """One use of an imported (or builtin) name: `qname` may hold `|`-joined alternatives."""

    qname: str
    scope: str  # "Class.method" of the enclosing defs/classes; "" at module level
    line: int
    string: bool = False  # a dotted-path string rather than code
    # Set for a binding rather than a use: the name a module or class body binds by import.
    # Those names are the module's (or class's) namespace, which other code can see.
    bound_as: str | None = None

    @property
    def alternatives(self) -> tuple[str, ...]:
        return tuple(self.qname.split("|"))

    @property
    def key(self) -> str:
        """How the comparison counts it: the name, or `str:`/`import NAME =` for the others."""
        if self.bound_as is not None:
            return f"import {self.bound_as} = {self.qname}"
        return f"str:{self.qname}" if self.string else self.qname


@dataclass
class _Scope:
    kind: str  # module | function | class | comprehension
    parent: _Scope | None
    key: str
    imports: dict[str, set[str]] = field(default_factory=dict)
    bound: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    star: bool = False

    def module(self) -> _Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


def module_of(path: Path) -> tuple[str, bool]:
    """(dotted module name, is a package `__init__`) of a file, from its `__init__.py` folders."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), path.name == "__init__.py"


def resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute module of `from .{level}name import …` in `module`."""
    if level == 0:
        return name or ""
    parts = module.split(".") if module else []
    package = parts if is_package else parts[:-1]
    # Beyond the top-level package Python raises ImportError; keep a marker so it never matches.
    base = package[: len(package) - (level - 1)] if level - 1 <= len(package) else ["<beyond-top>"]
    return ".".join([*base, name] if name else base)


class _Walker:
    def __init__(self, module: str, is_package: bool) -> None:
        self.module = module
        self.is_package = is_package
        self.names: list[tuple[ast.Name, _Scope]] = []
        self.strings: list[tuple[ast.Constant, _Scope]] = []
        self.root = _Scope("module", None, "")
        self.parents: dict[int, ast.AST] = {}
        self.scope_keys: set[str] = {""}
        self.namespaces: list[_Scope] = [self.root]  # module and class scopes

    # -- bindings -------------------------------------------------------------------------
    @staticmethod
    def _bind(scope: _Scope, name: str) -> None:
        scope.bound.add(name)

    @staticmethod
    def _import(scope: _Scope, name: str, target: str) -> None:
        scope.bound.add(name)
        scope.imports.setdefault(name, set()).add(target)

    def _bind_args(self, scope: _Scope, args: ast.arguments) -> None:
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            self._bind(scope, arg.arg)
        for arg in (args.vararg, args.kwarg):
            if arg is not None:
                self._bind(scope, arg.arg)

    def _walk_arg_outer_parts(self, args: ast.arguments, scope: _Scope, annotations: bool) -> None:
        """Defaults (and annotations) are evaluated in the scope that defines the function."""
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.walk(default, scope)
        if annotations:
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None and arg.annotation is not None:
                    self.walk(arg.annotation, scope)

    # -- the walk ---------------------------------------------------------------------------
    def walk(self, node: ast.AST, scope: _Scope) -> None:
        for child in ast.iter_child_nodes(node):
            self.parents[id(child)] = node
        match node:
            case ast.Name(id=name, ctx=ast.Load()):
                self.names.append((node, scope))
            case ast.Name(id=name):  # Store, Del
                self._bind(scope, name)
            case ast.Import(names=aliases):
                for alias in aliases:
                    if alias.asname:
                        self._import(scope, alias.asname, alias.name)
                    else:
                        first = alias.name.split(".")[0]
                        self._import(scope, first, first)
            case ast.ImportFrom(module=mod, level=level, names=aliases):
                base = resolve_relative(self.module, self.is_package, level or 0, mod)
                for alias in aliases:
                    if alias.name == "*":
                        scope.star = True
                    else:
                        self._import(scope, alias.asname or alias.name, f"{base}.{alias.name}")
            case ast.Global(names=names):
                scope.globals.update(names)
            case ast.Nonlocal(names=names):
                scope.nonlocals.update(names)
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                for decorator in node.decorator_list:
                    self.walk(decorator, scope)
                self._walk_arg_outer_parts(node.args, scope, annotations=True)
                if node.returns is not None:
                    self.walk(node.returns, scope)
                self._bind(scope, node.name)
                inner = _Scope("function", scope, f"{scope.key}.{node.name}".lstrip("."))
                self.scope_keys.add(inner.key)
                self._bind_args(inner, node.args)
                for statement in node.body:
                    self.walk(statement, inner)
            case ast.Lambda():
                self._walk_arg_outer_parts(node.args, scope, annotations=False)
                inner = _Scope("function", scope, scope.key)
                self._bind_args(inner, node.args)
                self.walk(node.body, inner)
            case ast.ClassDef():
                for part in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
                    self.walk(part, scope)
                self._bind(scope, node.name)
                inner = _Scope("class", scope, f"{scope.key}.{node.name}".lstrip("."))
                self.scope_keys.add(inner.key)
                self.namespaces.append(inner)
                for statement in node.body:
                    self.walk(statement, inner)
            case ast.ListComp() | ast.SetComp() | ast.GeneratorExp() | ast.DictComp():
                # The first iterable is evaluated outside, everything else inside.
                self.walk(node.generators[0].iter, scope)
                inner = _Scope("comprehension", scope, scope.key)
                for index, generator in enumerate(node.generators):
                    self.walk(generator.target, inner)
                    if index:
                        self.walk(generator.iter, inner)
                    for condition in generator.ifs:
                        self.walk(condition, inner)
                elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
                for element in elements:
                    self.walk(element, inner)
            case ast.NamedExpr(target=ast.Name(id=name), value=value):
                target_scope = scope
                while target_scope.kind == "comprehension" and target_scope.parent is not None:
                    target_scope = target_scope.parent
                self._bind(target_scope, name)
                self.walk(value, scope)
            case ast.ExceptHandler(name=str(name)):
                self._bind(scope, name)
                self._walk_children(node, scope)
            case ast.MatchAs(name=str(name)) | ast.MatchStar(name=str(name)):
                self._bind(scope, name)
                self._walk_children(node, scope)
            case ast.MatchMapping(rest=str(name)):
                self._bind(scope, name)
                self._walk_children(node, scope)
            case ast.Constant(value=str(value)) if DOTTED.fullmatch(value):
                self.strings.append((node, scope))
            case _:
                self._walk_children(node, scope)

    def _walk_children(self, node: ast.AST, scope: _Scope) -> None:
        for child in ast.iter_child_nodes(node):
            self.walk(child, scope)

    # -- resolution -------------------------------------------------------------------------
    def _targets(self, name: str, scope: _Scope) -> set[str] | None:
        """Import targets of `name` seen from `scope`; None for a local or an unknown name."""
        current: _Scope | None = scope
        innermost = True
        while current is not None:
            if name in current.globals:
                current = current.module()
                innermost = True  # the module scope itself is searched next
                if name in current.bound:
                    return current.imports.get(name)
                break
            if name in current.nonlocals:
                current, innermost = current.parent, False
                continue
            if current.kind == "class" and not innermost:
                current = current.parent
                continue
            if name in current.bound:
                return current.imports.get(name)
            current, innermost = current.parent, False
        if self.root.star:
            return None  # could come from the star import: unknown
        return {f"builtins.{name}"} if name in BUILTIN_NAMES else None

    def uses(self) -> list[Use]:
        found: list[Use] = []
        for node, scope in self.names:
            targets = self._targets(node.id, scope)
            if not targets:
                continue
            suffix, top = self._attribute_chain(node)
            qname = "|".join(sorted(f"{target}{suffix}" for target in targets))
            found.append(Use(qname, scope.key, top.lineno))
        for node, scope in self.strings:
            value = node.value.replace(":", ".")
            found.append(Use(value, scope.key, node.lineno, string=True))
        for scope in self.namespaces:
            for name, targets in scope.imports.items():
                found.append(Use("|".join(sorted(targets)), scope.key, 0, bound_as=name))
        return found

    def _attribute_chain(self, node: ast.AST) -> tuple[str, ast.AST]:
        """`.b.c` for the name `a` in `a.b.c` (loads only), and the outermost node."""
        suffix = ""
        parent = self.parents.get(id(node))
        while isinstance(parent, ast.Attribute) and parent.value is node:
            suffix += f".{parent.attr}"
            node, parent = parent, self.parents.get(id(parent))
        return suffix, node


def analyse_source(source: str, module: str = "", is_package: bool = False) -> tuple[list[Use], set[str]]:
    """Every use of an imported or builtin name (and every dotted-path string) in `source`, and
    the keys of all its def/class scopes ("" for the module)."""
    tree = ast.parse(source)
    walker = _Walker(module, is_package)
    walker.walk(tree, walker.root)
    return walker.uses(), walker.scope_keys


def uses_in_source(source: str, module: str = "", is_package: bool = False) -> list[Use]:
    return analyse_source(source, module, is_package)[0]


def analyse_file(path: Path) -> tuple[list[Use], set[str]]:
    module, is_package = module_of(path)
    return analyse_source(path.read_text(encoding="utf-8", errors="surrogateescape"), module, is_package)


def uses_in_file(path: Path) -> list[Use]:
    return analyse_file(path)[0]


def under(qname: str, prefixes: Iterable[str]) -> bool:
    """Whether `qname` (or one of its `|` alternatives) is one of `prefixes` or inside one."""
    return any(
        alternative == prefix or alternative.startswith(prefix + ".")
        for alternative in qname.split("|")
        for prefix in prefixes
    )
