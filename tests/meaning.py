"""A meaning oracle for fixes: what every use of a name in a Python program resolves to.

Written apart from `ssot_ls` on purpose (it imports nothing from it): it must catch the fix
engine's mistakes, not share them. Given a program (and its package, for relative imports),
`resolve` returns every *use* — a name or attribute chain read or deleted, a dotted-path
string, a string annotation's names, an `__all__` entry — with the set of things it may
refer to at run time:

- an import: the qualified dotted name (`import a.b` then `a.b.c.d` -> `a.b.c.d`);
- `from m import *`: `<star m.x>` (the star import may or may not provide `x`);
- anything else: `<local f.x>`, `<param f.x>`, `<class C.x>`, `<global x>`, `<builtin print>`,
  `<undefined y>`, `<unbound f.x>`.

It is a set because bindings are followed through control flow (reaching definitions):
`try: from old import f` / `except ImportError: def f(): ...` makes a later `f` mean
`old.f | <global f>`. A function body runs later than the code around it, so a name it takes
from an enclosing scope means whatever that scope holds when it *ends*; comprehensions and
class bodies run at once and see the enclosing scope's state at that point.

`same_meaning(before, after, rules)` pairs the uses of a program before and after a fix and
returns the differences: each use must mean the same after, or what the rules map it to;
a name made undefined, captured by a local or parameter, or a submodule no longer imported
is reported, as is an `await` missing, misplaced or doubled, and an `after` that does not
`compile()`.

Pairing: a fix may only rewrite import statements (an `if TYPE_CHECKING:` block of imports
counts as one), the uses themselves and `await` around calls. So both programs are reduced to
a skeleton — imports and `pass` dropped, `await` unwrapped, each use replaced by a placeholder,
keyword names of a used callee's call masked — which must be identical; then uses are paired
by (scope path, ordinal in that scope), both taken from the same walk.

Known limits (it is an oracle for fixes, not a type checker):
- what a star import provides, whether `x.y` is a submodule or an attribute, and what other
  files import are unknown: a star may provide any later unbound name; a dotted use counts as
  reachable only through imports in this file;
- reaching bindings are followed through if/loops/try/match/with, but a handler may start
  only between the top-level statements of its `try` body; a name declared `global` in a
  function reads what the module holds at its end (plus every function's global binds);
- `getattr`/`globals()`/`exec` strings, `importlib.import_module(name, package)` and
  `__all__` built other than as one list or tuple literal are not followed;
- `drop-keywords` rules are not modelled (a dropped argument is a skeleton change).
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Rule",
    "Target",
    "Use",
    "load_rules",
    "mapped",
    "mapping_rule",
    "resolve",
    "same_meaning",
    "skeleton",
]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """One `[[rules]]` entry: `old`/`new` are "module" or "module:name"."""

    code: str
    old: str
    new: str | None = None
    awaits: bool = False
    rename_keywords: tuple[tuple[str, str], ...] = ()  # at rewritten call sites

    @property
    def is_name_rule(self) -> bool:
        return ":" in self.old

    @property
    def old_path(self) -> str:
        return self.old.replace(":", ".")

    @property
    def new_path(self) -> str | None:
        if self.new is None:
            return None
        if ":" in self.new:
            return self.new.replace(":", ".")
        if self.is_name_rule:  # `new = "module"` for a `module:name` rule keeps the name
            return f"{self.new}.{self.old.split(':', 1)[1]}"
        return self.new


def load_rules(toml: str | Path) -> list[Rule]:
    """The rules of an ssot-ls config: `ssot-ls.toml` text/file or a `pyproject.toml`.

    Presets are not expanded (the oracle knows only the rules written out)."""
    text = toml.read_text(encoding="utf-8") if isinstance(toml, Path) else toml
    data = tomllib.loads(text)
    table = data.get("tool", {}).get("ssot-ls", data)
    return [
        Rule(entry["code"], entry["old"], entry.get("new"), bool(entry.get("await", False)),
             tuple(sorted(entry.get("rename-keywords", {}).items())))
        for entry in table.get("rules", [])
    ]


def _as_rules(rules: Sequence[Rule] | str) -> Sequence[Rule]:
    return load_rules(rules) if isinstance(rules, str) else rules


def _covers(prefix: str, dotted: str) -> bool:
    return dotted == prefix or dotted.startswith(prefix + ".")


def mapping_rule(qualified: str, rules: Sequence[Rule] | str) -> Rule | None:
    """The rule that decides where `qualified` lives now: the most specific one that covers it
    (the longest old path; a `module:name` rule over a whole-module rule of the same path)."""
    candidates = [r for r in _as_rules(rules) if _covers(r.old_path, qualified)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.old_path.count("."), r.is_name_rule))


def mapped(qualified: str, rules: Sequence[Rule] | str) -> str:
    """`qualified` after the rules: `a.c.d` under `a` -> `z` is `z.c.d`; `m.f.attr` under
    `m:f` -> `n:g` is `n.g.attr`. A report-only rule (no `new`) moves nothing."""
    rule = mapping_rule(qualified, rules)
    if rule is None or rule.new_path is None:
        return qualified
    return rule.new_path + qualified[len(rule.old_path):]


# --------------------------------------------------------------------------- meanings


@dataclass(frozen=True, order=True)
class Target:
    """One thing a use may refer to. For imports, stars and strings `name` is the whole dotted
    path of the use; `tail` counts its trailing parts no import in the file guarantees exist
    (attributes or submodules nobody imported)."""

    kind: str  # import | star | string | global | local | param | class | builtin | undefined | unbound
    name: str  # for a star: the name and attributes used (`x.y`), `origin` being the module
    attrs: str = ""  # attribute chain on a non-import binding (`<param f.m>.called`)
    origin: str = ""
    tail: int = field(default=0, compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        if self.kind in ("undefined", "unbound"):
            return (self.kind, "", "", "")  # a NameError whatever the name: renaming keeps it
        return (self.kind, self.name, self.attrs, self.origin)

    @property
    def dotted(self) -> str:
        """The qualified name, for imports and stars."""
        return f"{self.origin}.{self.name}" if self.kind == "star" else self.name

    def __str__(self) -> str:
        if self.kind == "import":
            return self.name
        if self.kind == "string":
            return repr(self.name)
        if self.kind == "star":
            return f"<star {self.origin}>.{self.name}"
        return f"<{self.kind} {self.name}>{self.attrs}"

    def mapped(self, rules: Sequence[Rule]) -> Target:
        if self.kind == "import":
            return Target(self.kind, mapped(self.name, rules), tail=self.tail)
        if self.kind == "star":
            rule = mapping_rule(self.dotted, rules)
            if rule is not None and _covers(rule.old_path, self.origin):  # the star module moved
                return Target("star", self.name, origin=mapped(self.origin, rules), tail=self.tail)
            if rule is not None:  # a name the star module provided moved: now imported
                return Target("import", mapped(self.dotted, rules), tail=self.tail)
            # A star may re-export a ruled module or name (`pkg`, `thing`): it moves with it.
            return Target("star", mapped(self.name, rules), origin=self.origin, tail=self.tail)
        if self.kind == "string":
            return Target(self.kind, _mapped_string(self.name, rules), tail=self.tail)
        return self


def _mapped_string(value: str, rules: Sequence[Rule]) -> str:
    """A dotted-path string after the rules; `module:name` (an entry point) keeps its colon
    after the module, wherever the module now is."""
    if ":" not in value:
        return mapped(value, rules)
    module, name = value.split(":", 1)
    dotted = f"{module}.{name}"
    rule = mapping_rule(dotted, rules)
    if rule is None or rule.new is None:
        return value
    moved = mapped(dotted, rules)
    if _covers(rule.old_path, module):  # the module itself moved
        new_module = mapped(module, rules)
    else:  # a name in it moved: to the rule's new module
        new_module = rule.new.split(":", 1)[0] if ":" in rule.new or rule.is_name_rule else rule.new
    return f"{new_module}:{moved[len(new_module) + 1:]}"


@dataclass(frozen=True)
class Use:
    """A use of a name, keyed by its scope's path and its ordinal in that scope."""

    scope: str
    ordinal: int
    text: str
    line: int
    targets: frozenset[Target]
    call: bool = False  # the use is the callee of a call
    awaited: int = 0  # `await`s directly around that call (or around the use)
    keywords: tuple[str | None, ...] = ()  # keyword names of that call (None: `**kwargs`)

    @property
    def meaning(self) -> str:
        return " | ".join(sorted(str(t) for t in self.targets)) or "<nothing>"


@dataclass(frozen=True)
class _Binding:
    kind: str  # import | star | global | local | param | class | unbound
    name: str


_UNBOUND = _Binding("unbound", "")
_MODULE_NAMES = {"__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__",
                 "__builtins__", "__path__", "__annotations__", "__dict__", "__cached__"}
_BUILTINS = set(dir(builtins)) | _MODULE_NAMES | {"__class__", "__module__", "__qualname__"}
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)?"
                     r"|[A-Za-z_]\w*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class _State:
    """Reaching bindings in one scope: name -> what may be bound to it here."""

    __slots__ = ("default", "names")

    def __init__(self, names: dict[str, frozenset[_Binding]] | None = None,
                 default: frozenset[_Binding] = frozenset({_UNBOUND})) -> None:
        self.names = dict(names or {})
        self.default = default  # for names never bound so far (star imports add to it)

    def get(self, name: str) -> frozenset[_Binding]:
        return self.names.get(name, self.default)

    def copy(self) -> _State:
        return _State(self.names, self.default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _State):
            return NotImplemented
        keys = self.names.keys() | other.names.keys()
        return self.default == other.default and all(self.get(k) == other.get(k) for k in keys)

    __hash__ = None  # type: ignore[assignment]


def _join(*states: _State | None) -> _State | None:
    live = [s for s in states if s is not None]
    if not live:
        return None
    keys = set().union(*(s.names.keys() for s in live))
    names = {k: frozenset().union(*(s.get(k) for s in live)) for k in keys}
    return _State(names, frozenset().union(*(s.default for s in live)))


class _Info:
    """What a first pass learns about a scope, for the second: its names and its end state."""

    def __init__(self, kind: str, path: str) -> None:
        self.kind = kind  # module | function | lambda | class | comprehension
        self.path = path
        self.bound: set[str] = set()
        self.params: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.end: _State | None = None  # what the scope holds when it has run
        self.extra: dict[str, set[_Binding]] = {}  # bound from nested scopes (global/nonlocal)

    def is_local(self, name: str) -> bool:
        return name in self.bound and name not in self.globals and name not in self.nonlocals

    def final(self, name: str) -> frozenset[_Binding]:
        held = self.end.get(name) if self.end is not None else frozenset({_UNBOUND})
        return held | frozenset(self.extra.get(name, ()))


class _Frame:
    def __init__(self, info: _Info, deferred: bool) -> None:
        self.info = info
        self.deferred = deferred  # runs later than the code around it (functions, lambdas)
        self.state: _State | None = _State()
        self.revive: _State = _State()  # state to walk dead code with
        self.returns: list[_State] = []
        self.loops: list[tuple[list[_State], list[_State]]] = []  # (breaks, continues)


_SCOPE_NAMES = {ast.ListComp: "<listcomp>", ast.SetComp: "<setcomp>", ast.DictComp: "<dictcomp>",
                ast.GeneratorExp: "<genexpr>", ast.Lambda: "<lambda>"}


class _Walker:
    """Walks a module the way it runs, scope by scope, following bindings through control flow.

    Run twice: the first pass (`infos` empty) learns every scope's names and end state, the
    second resolves each use with that knowledge (a nested function reads what its enclosing
    scope holds at the end, which only a full first pass knows)."""

    def __init__(self, package: str | None, guaranteed: set[str], future_annotations: bool,
                 infos: dict[int, _Info] | None, parsed: dict[int, ast.expr | None],
                 parents: dict[int, ast.AST]) -> None:
        self.package = package
        self.guaranteed = guaranteed
        self.future_annotations = future_annotations
        self.first = infos is None
        self.infos: dict[int, _Info] = {} if infos is None else infos
        self.parsed = parsed  # string annotations, parsed once (node ids must stay stable)
        self.parents = parents
        self.frames: list[_Frame] = []
        self.paths: dict[str, int] = {}
        self.uses: dict[int, Use] = {}  # by node id, in first-visit order
        self.ordinals: dict[str, int] = {}
        self.use_nodes: set[int] = set()
        self.class_imports: dict[tuple[str, str], int] = {}  # (class path, name) -> line
        self._line = 0  # of the import statement being walked

    # ------------------------------------------------------------------ scopes

    @property
    def frame(self) -> _Frame:
        return self.frames[-1]

    def _info(self, node: ast.AST, kind: str, name: str) -> _Info:
        if not self.first:
            return self.infos[id(node)]
        parent = self.frames[-1].info.path if self.frames and self.frames[-1].info.kind != "module" else ""
        path = f"{parent}.{name}" if parent else name
        count = self.paths[path] = self.paths.get(path, 0) + 1
        info = _Info(kind, path if count == 1 else f"{path}#{count}")
        self.infos[id(node)] = info
        return info

    def _push(self, node: ast.AST, kind: str, name: str, deferred: bool) -> _Frame:
        frame = _Frame(self._info(node, kind, name), deferred)
        self.frames.append(frame)
        return frame

    def _pop(self) -> None:
        frame = self.frames.pop()
        if self.first:
            frame.info.end = _join(frame.state, *frame.returns) or _State()

    def run(self, tree: ast.Module) -> None:
        self._push(tree, "module", "<module>", False)
        self.stmts(tree.body)
        self._pop()

    # ------------------------------------------------------------------ bindings

    def _binding_for(self, info: _Info, name: str) -> _Binding:
        if info.kind == "module":
            return _Binding("global", name)
        if info.kind == "class":
            return _Binding("class", f"{info.path}.{name}")
        return _Binding("local", f"{info.path}.{name}")

    def _enclosing_function(self, name: str) -> _Frame | None:
        for frame in reversed(self.frames[:-1]):
            if frame.info.kind in ("function", "lambda") and frame.info.is_local(name):
                return frame
        return None

    def bind(self, name: str, binding: _Binding | None = None, frame: _Frame | None = None) -> None:
        frame = frame or self.frame
        info = frame.info
        if name in info.globals or name in info.nonlocals:
            # Binds in another scope, which runs it at some later point: add, don't replace.
            owner = self.frames[0] if name in info.globals else self._enclosing_function(name)
            if owner is not None and self.first:
                owner.info.extra.setdefault(name, set()).add(binding or self._binding_for(owner.info, name))
            return
        if self.first:
            info.bound.add(name)
        elif info.kind == "class" and binding is not None and binding.kind == "import":
            self.class_imports.setdefault((info.path, name), self._line)
        if frame.state is not None:
            frame.state.names[name] = frozenset({binding or self._binding_for(info, name)})

    def unbind(self, name: str) -> None:
        info = self.frame.info
        if self.first and name not in info.globals and name not in info.nonlocals:
            info.bound.add(name)
        if self.frame.state is not None and info.is_local(name):
            self.frame.state.names[name] = frozenset({_UNBOUND})

    def bind_target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.bind_target(element)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value)
        else:  # attribute / subscript targets read their object
            self.expr(target)

    # ------------------------------------------------------------------ lookups

    def _module_lookup(self, name: str, deferred: bool) -> frozenset[_Binding]:
        module = self.frames[0]
        if deferred:
            return module.info.final(name)
        state = module.state or module.revive
        return state.get(name)

    def lookup(self, name: str, lazy: bool = False) -> tuple[frozenset[_Binding], _Info]:
        """What `name` may be bound to here, and the scope whose bindings answered."""
        index = len(self.frames) - 1
        frame = self.frames[index]
        info = frame.info
        deferred = lazy
        if info.kind == "module":
            return self._module_lookup(name, deferred), info
        if name in info.globals:
            return self._module_lookup(name, True), self.frames[0].info
        if name in info.nonlocals:
            owner = self._enclosing_function(name)
            if owner is not None:
                return owner.info.final(name), owner.info
            return frozenset({_UNBOUND}), info
        if info.is_local(name):
            held = info.final(name) if deferred else (frame.state or frame.revive).get(name)
            if info.kind == "class" and _UNBOUND in held:
                # A class body reads its own namespace, then the globals (LOAD_NAME).
                return (held - {_UNBOUND}) | self._module_lookup(name, deferred), self.frames[0].info
            return held, info
        # Free: the nearest enclosing function scope that binds it (class bodies are invisible
        # from nested scopes), else the module.
        while True:
            deferred = deferred or self.frames[index].deferred
            index -= 1
            outer = self.frames[index]
            if outer.info.kind == "module":
                return self._module_lookup(name, deferred), outer.info
            if outer.info.kind == "class":
                continue
            if name in outer.info.globals:
                return self._module_lookup(name, True), self.frames[0].info
            if outer.info.is_local(name):
                if deferred:
                    return outer.info.final(name), outer.info
                return (outer.state or outer.revive).get(name), outer.info

    def _targets(self, name: str, attrs: Sequence[str], held: frozenset[_Binding],
                 info: _Info) -> frozenset[_Binding | Target]:
        suffix = "".join(f".{a}" for a in attrs)
        found: set[Target] = set()
        for binding in held:
            if binding.kind == "import":
                qualified = binding.name + suffix
                found.add(Target("import", qualified, tail=self._tail(qualified, binding.name)))
            elif binding.kind == "star":
                qualified = f"{binding.name}.{name}{suffix}"
                tail = self._tail(qualified, binding.name)
                found.add(Target("star", f"{name}{suffix}", origin=binding.name, tail=tail))
            elif binding.kind == "unbound":
                if info.kind in ("module", "class"):
                    kind = "builtin" if name in _BUILTINS else "undefined"
                    found.add(Target(kind, name, suffix))
                else:
                    found.add(Target("unbound", f"{info.path}.{name}", suffix))
            else:
                found.add(Target(binding.kind, binding.name, suffix))
        return frozenset(found)

    def _tail(self, qualified: str, bound: str) -> int:
        parts = qualified.split(".")
        floor = bound.count(".") + 1
        for size in range(len(parts), floor, -1):
            if ".".join(parts[:size]) in self.guaranteed:
                return len(parts) - size
        return len(parts) - floor

    # ------------------------------------------------------------------ uses

    def _record(self, node: ast.AST, targets: frozenset[Target], anchor: ast.AST | None = None) -> None:
        self.use_nodes.add(id(node))
        if self.first:
            return
        previous = self.uses.get(id(node))
        if previous is not None:  # walked again (a loop, a `finally`): it may mean any of them
            self.uses[id(node)] = Use(previous.scope, previous.ordinal, previous.text, previous.line,
                                      previous.targets | targets, previous.call, previous.awaited,
                                      previous.keywords)
            return
        scope = self.frame.info.path
        ordinal = self.ordinals[scope] = self.ordinals.get(scope, 0) + 1
        call, awaited = self._call_and_await(node)
        parent = self.parents.get(id(node))
        keywords = tuple(k.arg for k in parent.keywords) if call and isinstance(parent, ast.Call) else ()
        line = getattr(anchor or node, "lineno", 0)
        self.uses[id(node)] = Use(scope, ordinal, ast.unparse(node), line, targets, call, awaited, keywords)

    def _call_and_await(self, node: ast.AST) -> tuple[bool, int]:
        parent = self.parents.get(id(node))
        call = isinstance(parent, ast.Call) and parent.func is node
        current = parent if call else node
        awaited = 0
        while isinstance(self.parents.get(id(current)), ast.Await):
            awaited += 1
            current = self.parents[id(current)]
        return call, awaited

    def use_name(self, node: ast.AST, name: str, attrs: Sequence[str] = (), lazy: bool = False,
                 anchor: ast.AST | None = None) -> None:
        held, info = self.lookup(name, lazy)
        self._record(node, self._targets(name, attrs, held, info), anchor)

    # ------------------------------------------------------------------ statements

    def stmts(self, body: Iterable[ast.stmt]) -> None:
        dead = False
        for statement in body:
            if self.frame.state is None:  # after return/raise/break: still resolve what is there
                self.frame.state = self.frame.revive.copy()
                dead = True
            self.stmt(statement)
        if dead:
            self.frame.state = None

    def _kill(self) -> None:
        if self.frame.state is not None:
            self.frame.revive = self.frame.state.copy()
        self.frame.state = None

    def stmt(self, node: ast.stmt) -> None:
        handler = getattr(self, "s_" + type(node).__name__, None)
        if handler is not None:
            handler(node)
        else:
            self.children(node)

    def children(self, node: ast.AST, annotation: bool = False) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, annotation)
            elif isinstance(child, ast.stmt):
                self.stmt(child)
            elif not isinstance(child, ast.expr_context | ast.operator | ast.unaryop | ast.cmpop
                                | ast.boolop):
                self.children(child, annotation)

    def class_attribute(self, path: str, name: str) -> frozenset[Target]:
        """What `C.name` / `self.name` finds in the class namespace once the body has run."""
        info = next((i for i in self.infos.values() if i.kind == "class" and i.path == path), None)
        if info is None:
            return frozenset({Target("undefined", f"{path}.{name}")})
        found: set[Target] = set()
        for binding in info.final(name):
            if binding.kind == "unbound":  # not in the class dict: an AttributeError
                found.add(Target("undefined", f"{path}.{name}"))
            else:
                found |= self._targets(name, (), frozenset({binding}), info)
        return frozenset(found)

    def s_Import(self, node: ast.Import) -> None:
        self._line = node.lineno
        for alias in node.names:
            if alias.asname:
                self.bind(alias.asname, _Binding("import", alias.name))
            else:
                root = alias.name.split(".")[0]
                self.bind(root, _Binding("import", root))

    def s_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._line = node.lineno
        module = _from_module(node, self.package)
        for alias in node.names:
            if alias.name == "*":
                state = self.frame.state
                if state is not None:
                    star = _Binding("star", module)
                    state.names = {k: v | {star} for k, v in state.names.items()}
                    state.default = state.default | {star}
            else:
                self.bind(alias.asname or alias.name, _Binding("import", f"{module}.{alias.name}"))

    def s_Global(self, node: ast.Global) -> None:
        if self.first:
            self.frame.info.globals.update(node.names)

    def s_Nonlocal(self, node: ast.Nonlocal) -> None:
        if self.first:
            self.frame.info.nonlocals.update(node.names)

    def s_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.expr(node.value)
        if self.frame.state is not None:
            self.frame.returns.append(self.frame.state.copy())
        self._kill()

    def s_Raise(self, node: ast.Raise) -> None:
        self.children(node)
        self._kill()

    def s_Break(self, node: ast.Break) -> None:
        if self.frame.loops and self.frame.state is not None:
            self.frame.loops[-1][0].append(self.frame.state.copy())
        self._kill()

    def s_Continue(self, node: ast.Continue) -> None:
        if self.frame.loops and self.frame.state is not None:
            self.frame.loops[-1][1].append(self.frame.state.copy())
        self._kill()

    def s_Assign(self, node: ast.Assign) -> None:
        if (self.frame.info.kind == "module" and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "__all__"):
            self._all_entries(node.value)
        else:
            self.expr(node.value)
        for target in node.targets:
            self.bind_target(target)

    def _all_entries(self, value: ast.expr) -> None:
        """`__all__` names module attributes: each entry is a use of the module-level name."""
        if isinstance(value, ast.List | ast.Tuple):
            for element in value.elts:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    self.use_name(element, element.value, lazy=True)
                else:
                    self.expr(element)
        else:
            self.expr(value)

    def s_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            if (node.target.id == "__all__" and self.frame.info.kind == "module"):
                self._all_entries(node.value)
            else:
                self.expr(node.value)
            self.use_name(node.target, node.target.id)
            self.bind(node.target.id)
        else:
            self.expr(node.target)  # reads the object it stores into
            self.expr(node.value)

    def s_AnnAssign(self, node: ast.AnnAssign) -> None:
        # A function-local annotation is never evaluated; elsewhere it is, unless postponed.
        lazy = self.future_annotations or self.frame.info.kind not in ("module", "class")
        self.annotation(node.annotation, lazy)
        if node.value is not None:
            self.expr(node.value)
            self.bind_target(node.target)
        elif isinstance(node.target, ast.Name):
            if self.first and node.target.id not in self.frame.info.globals:
                self.frame.info.bound.add(node.target.id)  # `x: int` alone makes x local
        else:
            self.expr(node.target)

    def s_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._delete(target)

    def _delete(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.use_name(target, target.id)
            self.unbind(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._delete(element)
        else:
            self.expr(target)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        """Defaults, decorators and annotations run here; the body runs later, in its scope."""
        args = node.args
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.expr(decorator)
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.expr(default)
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs,
                 *(a for a in (args.vararg, args.kwarg) if a is not None)]
        if not isinstance(node, ast.Lambda):
            for argument in every:
                if argument.annotation is not None:
                    self.annotation(argument.annotation, self.future_annotations)
            if node.returns is not None:
                self.annotation(node.returns, self.future_annotations)
            self.bind(node.name)
        kind = "lambda" if isinstance(node, ast.Lambda) else "function"
        name = _SCOPE_NAMES[ast.Lambda] if isinstance(node, ast.Lambda) else node.name
        frame = self._push(node, kind, name, deferred=True)
        for argument in every:
            if self.first:
                frame.info.params.add(argument.arg)
            self.bind(argument.arg, _Binding("param", f"{frame.info.path}.{argument.arg}"))
        if isinstance(node, ast.Lambda):
            self.expr(node.body)
        else:
            if self.first:  # declarations first: they decide where the body's bindings go
                for statement in _own_statements(node.body):
                    if isinstance(statement, ast.Global):
                        frame.info.globals.update(statement.names)
                    elif isinstance(statement, ast.Nonlocal):
                        frame.info.nonlocals.update(statement.names)
            self.stmts(node.body)
        self._pop()

    s_FunctionDef = _function
    s_AsyncFunctionDef = _function

    def s_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator)
        for base in node.bases:
            self.expr(base)
        for keyword in node.keywords:
            self.expr(keyword.value)
        frame = self._push(node, "class", node.name, deferred=False)
        if self.first:
            for statement in _own_statements(node.body):
                if isinstance(statement, ast.Global):
                    frame.info.globals.update(statement.names)
                elif isinstance(statement, ast.Nonlocal):
                    frame.info.nonlocals.update(statement.names)
        self.stmts(node.body)
        self._pop()
        self.bind(node.name)

    def s_If(self, node: ast.If) -> None:
        if not _is_import_block(node):  # `if TYPE_CHECKING:` + imports counts as an import
            self.expr(node.test)
        entry = self.frame.state.copy() if self.frame.state is not None else None
        self.stmts(node.body)
        taken = self.frame.state
        self.frame.state = entry
        self.stmts(node.orelse)
        self.frame.state = _join(taken, self.frame.state)

    def _loop(self, head: ast.expr | None, target: ast.expr | None, body: list[ast.stmt],
              orelse: list[ast.stmt]) -> None:
        frame = self.frame
        entry = frame.state.copy() if frame.state is not None else _State()
        current = entry
        breaks: list[_State] = []
        for _ in range(12):  # reaching bindings only grow: a few rounds reach the fixpoint
            breaks, continues = [], []
            frame.loops.append((breaks, continues))
            frame.state = current.copy()
            if head is not None:
                self.expr(head)
            if target is not None:
                self.bind_target(target)
            self.stmts(body)
            frame.loops.pop()
            widened = _join(entry, frame.state, *continues) or entry
            if widened == current:
                break
            current = widened
        frame.state = current.copy()
        if head is not None:
            self.expr(head)
        self.stmts(orelse)
        frame.state = _join(frame.state, *breaks)

    def s_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.expr(node.iter)
        self._loop(None, node.target, node.body, node.orelse)

    s_AsyncFor = s_For

    def s_While(self, node: ast.While) -> None:
        self._loop(node.test, None, node.body, node.orelse)

    def s_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars)
        self.stmts(node.body)

    s_AsyncWith = s_With

    def s_Try(self, node: ast.Try) -> None:
        frame = self.frame
        entry = frame.state.copy() if frame.state is not None else None
        seen: list[_State | None] = [entry]
        for statement in node.body:
            self.stmts([statement])
            seen.append(frame.state.copy() if frame.state is not None else None)
        raised = _join(*seen)  # a handler may start after any statement of the body
        self.stmts(node.orelse)
        exits: list[_State | None] = [frame.state]
        for handler in node.handlers:
            frame.state = raised.copy() if raised is not None else None
            if handler.type is not None:
                self.expr(handler.type)
            if handler.name:
                self.bind(handler.name)
            self.stmts(handler.body)
            if handler.name:
                self.unbind(handler.name)  # `except ... as e` deletes `e` at the end
            exits.append(frame.state)
        normal = _join(*exits)
        if node.finalbody:
            # `finally` also runs on the way out of an exception: its uses may mean either.
            frame.state = _join(normal, raised)
            self.stmts(node.finalbody)
            frame.state = normal.copy() if normal is not None else None
            self.stmts(node.finalbody)
        else:
            frame.state = normal

    s_TryStar = s_Try

    def s_Match(self, node: ast.Match) -> None:
        self.expr(node.subject)
        frame = self.frame
        entry = frame.state.copy() if frame.state is not None else None
        exits: list[_State | None] = [entry]
        for case in node.cases:
            frame.state = entry.copy() if entry is not None else None
            self.pattern(case.pattern)
            if case.guard is not None:
                self.expr(case.guard)
            self.stmts(case.body)
            exits.append(frame.state)
        frame.state = _join(*exits)

    def pattern(self, node: ast.pattern) -> None:
        if isinstance(node, ast.MatchValue):
            self.expr(node.value)
        elif isinstance(node, ast.MatchAs):
            if node.pattern is not None:
                self.pattern(node.pattern)
            if node.name is not None:
                self.bind(node.name)
        elif isinstance(node, ast.MatchStar):
            if node.name is not None:
                self.bind(node.name)
        elif isinstance(node, ast.MatchMapping):
            for key in node.keys:
                self.expr(key)
            for sub in node.patterns:
                self.pattern(sub)
            if node.rest is not None:
                self.bind(node.rest)
        elif isinstance(node, ast.MatchClass):
            self.expr(node.cls)
            for sub in [*node.patterns, *node.kwd_patterns]:
                self.pattern(sub)
        elif isinstance(node, ast.MatchSequence | ast.MatchOr):
            for sub in node.patterns:
                self.pattern(sub)

    # ------------------------------------------------------------------ expressions

    def annotation(self, node: ast.expr, lazy: bool) -> None:
        self.expr(node, annotation=True, lazy=lazy)

    def expr(self, node: ast.expr, annotation: bool = False, lazy: bool = False) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                self.bind(node.id)
            elif isinstance(node.ctx, ast.Del):
                self._delete(node)
            else:
                self.use_name(node, node.id, lazy=lazy)
        elif isinstance(node, ast.Attribute):
            chain = _chain(node)
            if chain is not None and isinstance(node.ctx, ast.Load):
                root, attrs = chain
                self.use_name(node, root.id, attrs, lazy=lazy)
            else:
                self.expr(node.value, annotation, lazy)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                self._string(node, annotation, lazy)
        elif isinstance(node, ast.Lambda):
            self._function(node)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            self._comprehension(node)
        elif isinstance(node, ast.NamedExpr):
            self.expr(node.value)
            self._walrus(node.target.id)
        elif isinstance(node, ast.Call):
            self.expr(node.func, annotation, lazy)
            imported = _import_call(node)
            for argument in node.args:
                if imported and argument is node.args[0] and _is_str(argument):
                    self._record(argument, frozenset({Target("string", argument.value)}))
                else:
                    self.expr(argument, annotation, lazy)
            for keyword in node.keywords:
                self.expr(keyword.value, annotation, lazy)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child, annotation, lazy)
                elif isinstance(child, ast.keyword):
                    self.expr(child.value, annotation, lazy)
                elif isinstance(child, ast.comprehension):  # pragma: no cover - handled above
                    raise AssertionError("comprehension outside a comprehension node")

    def _string(self, node: ast.Constant, annotation: bool, lazy: bool) -> None:
        if annotation:
            if id(node) not in self.parsed:
                try:
                    self.parsed[id(node)] = ast.parse(node.value.strip(), mode="eval").body
                except SyntaxError:
                    self.parsed[id(node)] = None
            inner = self.parsed[id(node)]
            if inner is not None:
                # A string annotation is evaluated late (typing.get_type_hints), at module level.
                self._annotation_string(inner, node)
                return
        if _DOTTED.fullmatch(node.value):
            self._record(node, frozenset({Target("string", node.value)}))

    def _annotation_string(self, inner: ast.expr, anchor: ast.Constant) -> None:
        for sub in _annotation_uses(inner):
            if isinstance(sub, ast.Name):
                self.use_name(sub, sub.id, lazy=True, anchor=anchor)
            elif isinstance(sub, ast.Attribute):
                root, attrs = _chain(sub)  # type: ignore[misc]
                self.use_name(sub, root.id, attrs, lazy=True, anchor=anchor)
            else:
                self._string(sub, True, True)

    def _walrus(self, name: str) -> None:
        # Binds in the nearest enclosing scope that is not a comprehension; comprehensions run
        # at once, so that scope may hold either binding afterwards.
        for frame in reversed(self.frames):
            if frame.info.kind != "comprehension":
                if frame is self.frame:
                    self.bind(name, frame=frame)
                else:
                    before = (frame.state or frame.revive).get(name)
                    self.bind(name, frame=frame)
                    if frame.state is not None and name in frame.state.names:
                        frame.state.names[name] = frame.state.names[name] | before
                return

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        generators = node.generators
        self.expr(generators[0].iter)  # the first iterable runs in the enclosing scope
        self._push(node, "comprehension", _SCOPE_NAMES[type(node)], deferred=False)
        for index, generator in enumerate(generators):
            if index:
                self.expr(generator.iter)
            self.bind_target(generator.target)
            for condition in generator.ifs:
                self.expr(condition)
        if isinstance(node, ast.DictComp):
            self.expr(node.key)
            self.expr(node.value)
        else:
            self.expr(node.elt)
        self._pop()


def _is_import_block(node: ast.stmt) -> bool:
    """`if TYPE_CHECKING:` holding only imports: a fix may add, empty or remove it whole."""
    if not isinstance(node, ast.If) or node.orelse:
        return False
    test = node.test
    name = test.attr if isinstance(test, ast.Attribute) else test.id if isinstance(test, ast.Name) else ""
    return name == "TYPE_CHECKING" and all(isinstance(s, ast.Import | ast.ImportFrom | ast.Pass)
                                           for s in node.body)


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a scope, not of the scopes nested in it."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list):
                for item in inner:
                    if isinstance(item, ast.stmt):
                        yield from _own_statements([item])
                    elif isinstance(item, ast.excepthandler | ast.match_case):
                        yield from _own_statements(item.body)


def _chain(node: ast.Attribute) -> tuple[ast.Name, list[str]] | None:
    """`a.b.c` -> (Name a, ["b", "c"]) when the chain is attributes read down to a name."""
    attrs: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        if not isinstance(current.ctx, ast.Load):
            return None
        attrs.append(current.attr)
        current = current.value
    if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Load):
        return current, attrs[::-1]
    return None


def _annotation_uses(node: ast.expr) -> Iterator[ast.expr]:
    """Names, attribute chains and nested strings of a parsed string annotation, in order."""
    if isinstance(node, ast.Name):
        yield node
        return
    if isinstance(node, ast.Attribute) and _chain(node) is not None:
        yield node
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            yield from _annotation_uses(child)


def _is_str(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _import_call(node: ast.Call) -> bool:
    """`importlib.import_module("x")` / `__import__("x")`: the argument names a module."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("import_module", "__import__")


def _from_module(node: ast.ImportFrom, package: str | None) -> str:
    if not node.level:
        return node.module or ""
    if package is None:
        return "." * node.level + (node.module or "")
    parts = package.split(".")
    keep = len(parts) - (node.level - 1)
    base = ".".join(parts[:max(keep, 0)]) if keep > 0 else "." * (node.level - len(parts))
    if node.module:
        return f"{base}.{node.module}" if base and not base.endswith(".") else f"{base}{node.module}"
    return base


def _guaranteed(tree: ast.AST, package: str | None) -> set[str]:
    """Dotted names some import in the file makes exist: each imported module and its parent
    packages (importing a submodule sets it as an attribute of its parent)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        elif isinstance(node, ast.ImportFrom):
            module = _from_module(node, package)
            parts = module.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
            # `from m import n` guarantees `n` only through its own binding: `n` is most
            # often a name in `m`, not a submodule that `m.n` elsewhere would rely on.
    return found


def _future_annotations(tree: ast.Module) -> bool:
    return any(isinstance(s, ast.ImportFrom) and s.module == "__future__"
               and any(a.name == "annotations" for a in s.names) for s in tree.body)


@dataclass
class _Analysis:
    uses: list[Use]
    skeleton: str
    walker: _Walker  # for what a class namespace holds at its end


def _analyse(source: str, package: str | None) -> _Analysis:
    tree = ast.parse(source)
    parents = {id(child): parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    guaranteed = _guaranteed(tree, package)
    future = _future_annotations(tree)
    parsed: dict[int, ast.expr | None] = {}
    first = _Walker(package, guaranteed, future, None, parsed, parents)
    first.run(tree)
    second = _Walker(package, guaranteed, future, first.infos, parsed, parents)
    second.run(tree)
    uses = list(second.uses.values())
    # Nodes are known by id(): keep every original node alive while the skeleton replaces
    # some, or a new node could reuse a freed id and be taken for a use.
    alive = [*ast.walk(tree), *(n for inner in parsed.values() if inner is not None for n in ast.walk(inner))]
    text = _Skeleton(second.use_nodes, parsed).dump(tree)
    del alive
    return _Analysis(uses, text, second)


def resolve(source: str, package: str | None = None) -> list[Use]:
    """Every use in `source`, in the order the program's scopes are walked."""
    return _analyse(source, package).uses


class _Skeleton(ast.NodeTransformer):
    """The program with imports, `pass` and `await` dropped and every use replaced by a
    placeholder: what a fix must leave exactly as it was."""

    def __init__(self, use_nodes: set[int], parsed: dict[int, ast.expr | None]) -> None:
        self.use_nodes = use_nodes
        self.parsed = parsed

    def dump(self, tree: ast.AST) -> str:
        return ast.dump(self.visit(tree), indent=1)

    def visit(self, node: ast.AST) -> ast.AST:  # type: ignore[override]
        if id(node) in self.use_nodes:
            return ast.Name("_use_", ast.Load())
        if isinstance(node, ast.Call) and id(node.func) in self.use_nodes:
            # Keyword names of a call of a use are compared with the use (renames are allowed).
            node.keywords = [ast.keyword("_kw_" if k.arg else None, k.value) for k in node.keywords]
        if isinstance(node, ast.Constant) and id(node) in self.parsed and self.parsed[id(node)] is not None:
            inner = self.visit(self.parsed[id(node)])  # type: ignore[arg-type]
            return ast.Constant("_annotation_ " + ast.dump(inner))
        if isinstance(node, ast.Await):
            return self.visit(node.value)
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, name, [s for s in value if not isinstance(s, ast.Import | ast.ImportFrom
                                                                         | ast.Pass)
                                     and not _is_import_block(s)])
        return self.generic_visit(node)


def skeleton(source: str, package: str | None = None) -> str:
    """`source` with imports, `pass`, `await` and uses abstracted away (see `_Skeleton`)."""
    return _analyse(source, package).skeleton


# --------------------------------------------------------------------------- comparing


def _differences(before: Use, after: Use, rules: Sequence[Rule]) -> list[str]:
    where = f"line {before.line} in {before.scope or '<module>'}: `{before.text}`"
    problems: list[str] = []
    old = {t.key: t for t in before.targets}
    new = {t.key: t for t in after.targets}
    moved = {t.key: t.mapped(rules) for t in before.targets}
    allowed = set(old) | {m.key for m in moved.values()}
    expected = " | ".join(sorted({str(m) for m in moved.values()}))
    # Each thing the use could mean must still be meant (moved or not) — except a NameError
    # path: a fix that makes a name always defined (a `TYPE_CHECKING` import now also bound at
    # run time) is not what the oracle hunts.
    covered = all(k in new or moved[k].key in new or t.kind in ("undefined", "unbound")
                  for k, t in old.items())
    if not set(new) <= allowed or not covered:
        problems.append(f"{where} meant {before.meaning} (after the rules: {expected}); "
                        f"after the fix `{after.text}` means {after.meaning}")
        return problems
    renames: dict[str, str] = {}
    for key, target in old.items():
        rule = mapping_rule(target.dotted, rules) if target.kind in ("import", "star") else None
        if rule is not None and moved[key].key in new and moved[key].key != key:
            renames.update(rule.rename_keywords)
    expected_keywords = tuple(renames.get(k, k) if k else k for k in before.keywords)
    if after.keywords != expected_keywords:
        problems.append(f"{where}: keywords {list(before.keywords)} became {list(after.keywords)}"
                        f" (expected {list(expected_keywords)})")
    switched: set[tuple[str, str, str, str]] = set()  # now names a callable that became async
    for key, target in old.items():
        now = new.get(moved[key].key) or new.get(key)
        if now is None:  # pragma: no cover - excluded by the check above
            continue
        rule = mapping_rule(target.dotted, rules) if target.kind in ("import", "star") else None
        # Only modules move under whole-module rules: there a submodule must stay imported.
        if now.tail > target.tail and rule is not None and not rule.is_name_rule:
            problems.append(f"{where}: after the fix `{after.text}` reaches {now.dotted} through "
                            f"{now.tail} attribute(s) no import guarantees (before: {target.tail})")
        if (rule is not None and rule.awaits and rule.new_path and target.dotted == rule.old_path
                and moved[key].key in new and moved[key].key != key):
            switched.add(moved[key].key)
    if switched:
        # A star import is taken to re-export the same objects; a local stub is not.
        if any(t.kind != "star" for t in after.targets if t.key not in switched):
            problems.append(f"{where}: may also be a sync fallback ({after.meaning}), "
                            f"yet now names an async callable")
        elif not before.call:
            problems.append(f"{where} is a reference, not a call, to a callable that became async: "
                            f"its callers now get a coroutine")
        elif after.awaited != max(before.awaited, 1):
            problems.append(f"{where} calls a callable that became async: expected "
                            f"{max(before.awaited, 1)} `await`, found {after.awaited}")
        elif after.scope.rsplit(".", 1)[-1].startswith("<genexpr>"):
            problems.append(f"{where}: `await` in a generator expression makes it an async generator")
    elif after.awaited != before.awaited:
        problems.append(f"{where}: `await` count changed from {before.awaited} to {after.awaited} "
                        f"on a callable that did not become async")
    return problems


def same_meaning(before_src: str, after_src: str, rules: Sequence[Rule] | str,
                 package: str | None = None) -> list[str]:
    """What a fix from `before_src` to `after_src` changed in meaning (empty: nothing).

    `rules` are `Rule`s or the config TOML. `before_src` must parse (it is the input)."""
    rules = _as_rules(rules)
    try:
        compile(after_src, "<after the fix>", "exec", dont_inherit=True)
    except SyntaxError as error:
        return [f"the fixed text does not compile: {error.msg} (line {error.lineno})"]
    before = _analyse(before_src, package)
    after = _analyse(after_src, package)
    if before.skeleton != after.skeleton:
        diff = difflib.unified_diff(before.skeleton.splitlines(), after.skeleton.splitlines(),
                                    "before", "after", n=1, lineterm="")
        return ["the fix changed code other than imports, uses and `await`:\n"
                + "\n".join(list(diff)[2:14])]
    problems: list[str] = []
    paired = {(u.scope, u.ordinal): u for u in after.uses}
    for use in before.uses:
        other = paired.pop((use.scope, use.ordinal), None)
        if other is None:
            problems.append(f"line {use.line} in {use.scope}: `{use.text}` has no counterpart after the fix")
            continue
        problems.extend(_differences(use, other, rules))
    problems.extend(f"line {u.line} in {u.scope}: `{u.text}` is a new use" for u in paired.values())
    # A name a class body imports is a class attribute (`self.name`): it must stay bound.
    for (path, name), line in sorted(before.walker.class_imports.items()):
        was = Use(path, 0, name, line, before.walker.class_attribute(path, name))
        now = Use(path, 0, name, line, after.walker.class_attribute(path, name))
        problems.extend(p.replace(f"`{name}`", f"class attribute `{path}.{name}`", 1)
                        for p in _differences(was, now, rules))
    return problems
