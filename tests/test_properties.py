"""Property tests: deprecated imports injected into real-world-shaped programs.

After `fix_source(unsafe=True)`: the text parses, a second fix changes nothing, no fixable
finding remains, and the program's AST differs from the input only in import statements and
the flagged references (compared after dropping imports and normalizing those references).
The same program inside a Markdown fence (in a list, in a quote) is fixed the same way, and
every finding that says it is fixable has a quick fix (what the editor offers).
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ssot_ls.config import ConfigResolver
from ssot_ls.engine import check_source, fix_group, fix_source
from ssot_ls.markdown import python_fences
from ssot_ls.presets import CONTEXT, FACTORY

RULES = """
presets = ["netra-websocket"]

[[rules]]
code = "X001"
old = "old.pkg:thing"
new = "new.pkg:other"

[[rules]]
code = "X003"
old = "moved.mod"
new = "fresh.place"

[[rules]]
code = "X004"
old = "aio.old:fetch"
new = "aio.new:fetch"
await = true
"""


@dataclass(frozen=True)
class Form:
    """One way a program can use a deprecated thing: its import and expressions using it."""

    key: str
    imports: str
    uses: tuple[str, ...]  # `{arg}` is replaced by an argument of the enclosing code


FORMS = (
    Form("ws-function", f"from {FACTORY} import create_websocket_manager",
         ("create_websocket_manager(user_context={arg})",)),
    Form("ws-function-alias", f"from {FACTORY} import create_websocket_manager as make_manager",
         ("make_manager(user_context={arg})",)),
    Form("ws-module-alias", f"import {FACTORY} as factory",
         ("factory.create_websocket_manager(user_context={arg})", "factory.helper({arg})")),
    Form("ws-module-full", f"import {FACTORY}",
         (f"{FACTORY}.create_websocket_manager(user_context={{arg}})",)),
    Form("ws-class", f"from {FACTORY} import WebSocketManagerFactory", ("WebSocketManagerFactory()",)),
    Form("ws-parenthesized", f"from {FACTORY} import (\n    WebSocketManagerFactory,\n    helper,\n)",
         ("helper({arg})",)),
    Form("context", f"from {CONTEXT} import UserExecutionContext",
         ("UserExecutionContext(user_id={arg}, websocket_manager={arg})",
          "UserExecutionContext(websocket_manager={arg})",
          "UserExecutionContext(user_id={arg})")),
    Form("thing", "from old.pkg import thing", ("thing({arg})", "thing.attr", "thing")),
    Form("thing-alias", "from old.pkg import thing as t", ("t({arg})",)),
    Form("thing-among-others", "from old.pkg import keep, thing", ("keep(thing({arg}))",)),
    Form("old-module", "import old.pkg as op", ("op.thing({arg})",)),
    Form("guarded", "try:\n    from old.pkg import thing\nexcept ImportError:\n    pass",
         ("thing({arg})",)),
    Form("canonical-present", "from new.pkg import other", ("other({arg})",)),
    Form("moved-from", "from moved.mod import mover", ("mover({arg})",)),
    Form("moved-module", "import moved.mod as mm", ("mm.mover({arg})",)),
    Form("fetch", "from aio.old import fetch", ("fetch({arg})", "fetch({arg}).result")),
    Form("patch", "from unittest import mock",
         (f"mock.patch('{FACTORY}.create_websocket_manager')",
          "mock.patch(\"moved.mod.mover\")",
          "mock.patch('old.pkg.thing')")),
)

# Every name a fix may add, remove or rename; the rest of the program must stay identical.
SUBJECT_NAMES = {
    "create_websocket_manager", "make_manager", "factory", "WebSocketManagerFactory", "helper",
    "UserExecutionContext", "create_defensive_user_execution_context", "get_websocket_manager",
    "thing", "t", "other", "op", "mover", "mm", "fetch", "netra_backend", "old", "moved",
    "fresh", "new", "keep",
}
SUBJECT_PATHS = re.compile(r"netra_backend|old\.pkg|new\.pkg|moved\.mod|fresh\.place")
DROPPED_KEYWORDS = {"websocket_manager"}

# `other` and `get_websocket_manager` are names fixes rename to: a parameter with that name
# must block the rename (never onto a bound name), and the properties must still hold.
IDENTIFIERS = st.sampled_from(["alpha", "beta", "gamma", "delta", "value", "items", "ctx", "user",
                               "other", "get_websocket_manager"])
STATEMENTS = (
    "result = {use}",
    "return {use}",
    "data = ({use}, {arg})",
    "total = 1 + {use}",
    "if {arg}:\n    log({use})",
    "for item in {arg}:\n    log(item, {use})",
    "try:\n    value = {use}\nexcept ValueError:\n    value = None",
    "# a comment mentioning old.pkg.thing\nlog({arg})",
    "log('unrelated string {arg}')",
)


@st.composite
def function_block(draw, forms: list[Form]) -> str:
    is_async = draw(st.booleans())
    name = draw(IDENTIFIERS) + "_" + str(draw(st.integers(0, 99)))
    params = draw(st.lists(IDENTIFIERS, min_size=1, max_size=3, unique=True))
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        form = draw(st.sampled_from(forms))
        use = draw(st.sampled_from(form.uses)).format(arg=draw(st.sampled_from(params)))
        template = draw(st.sampled_from(STATEMENTS))
        lines.append(template.format(use=use, arg=draw(st.sampled_from(params))))
    if not any(line.startswith("return") for line in lines):
        lines.append("return None")
    else:  # code after a return is still code; keep the shape simple: return last
        lines = [line for line in lines if not line.startswith("return")] + \
                [next(line for line in lines if line.startswith("return"))]
    body = textwrap.indent("\n".join(lines), "    ")
    keyword = "async def" if is_async else "def"
    decorator = ""
    if draw(st.integers(0, 4)) == 0 and any(f.key == "patch" for f in forms):
        decorator = "@mock.patch('old.pkg.thing')\n"
    return f"{decorator}{keyword} {name}({', '.join(params)}):\n{body}\n"


@st.composite
def class_block(draw, forms: list[Form]) -> str:
    name = draw(st.sampled_from(["Service", "Handler", "Client", "Repository"]))
    method = draw(function_block(forms))
    params = method.split("(", 1)[1]
    method = method.replace("(", "(self, ", 1) if params.strip() else method
    return f"class {name}:\n    \"\"\"Docstring naming {FACTORY}.\"\"\"\n\n" + textwrap.indent(method, "    ")


@st.composite
def programs(draw) -> str:
    forms = draw(st.lists(st.sampled_from(FORMS), min_size=1, max_size=4, unique_by=lambda f: f.key))
    header = ['"""A module of a service mid-migration."""', "import os", "import json"]
    header += [form.imports for form in forms]
    if draw(st.booleans()):
        header = header[:1] + draw(st.permutations(header[1:]))
    blocks = draw(st.lists(st.one_of(function_block(forms), class_block(forms)), min_size=1, max_size=4))
    footer = draw(st.sampled_from(["", "\nCONSTANT = os.environ.get('X')\n",
                                   "\nif __name__ == '__main__':\n    print(json.dumps({}))\n"]))
    return "\n".join(header) + "\n\n\n" + "\n\n".join(blocks) + footer


class _Normalize(ast.NodeTransformer):
    """Drops imports and replaces every reference a fix may change by one placeholder."""

    def _body(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        kept = [s for s in statements if not isinstance(s, ast.Import | ast.ImportFrom | ast.Pass)]
        return [self.visit(s) for s in kept]

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, name, self._body(value))
        return super().generic_visit(node)

    def visit_Await(self, node: ast.Await) -> ast.AST:
        return self.visit(node.value)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name("_subject_", node.ctx) if node.id in SUBJECT_NAMES else node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in SUBJECT_NAMES:
            return ast.Name("_subject_", node.ctx)
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node = self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "_subject_":
            node.keywords = [k for k in node.keywords if k.arg not in DROPPED_KEYWORDS]
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and SUBJECT_PATHS.search(node.value):
            return ast.Constant("_subject_path_")
        return node


def normalized(text: str) -> str:
    return ast.dump(_Normalize().visit(ast.parse(text)))


class _References(ast.NodeVisitor):
    """Every reference to an imported name, as the dotted path it resolves to, in text order.

    A name no import binds resolves to `?name`; a dotted string naming a ruled module is
    kept as it is. Comparing these before and after a fix catches an import rewritten to the
    wrong target or a use left pointing at a name the fix removed.
    """

    def __init__(self, tree: ast.Module) -> None:
        self.bound: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.bound[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    self.bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self.found: list[str] = []
        self.parameters: list[set[str]] = []  # of the functions we are inside

    def _root(self, name: str) -> str:
        # A parameter is the function's own local, whatever the module imports by that name.
        if any(name in params for params in self.parameters):
            return f"<param {name}>"
        return self.bound.get(name, "?" + name)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.parameters.append({a.arg for a in [*node.args.posonlyargs, *node.args.args,
                                                *node.args.kwonlyargs]})
        for statement in node.body:
            self.visit(statement)
        self.parameters.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Attribute(self, node: ast.Attribute) -> None:
        parts = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        if isinstance(current, ast.Name) and current.id in SUBJECT_NAMES:
            root = self._root(current.id)
            self.found.append(".".join([root, *reversed(parts)]))
            return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in SUBJECT_NAMES and isinstance(node.ctx, ast.Load):
            self.found.append(self._root(node.id))

    def visit_Call(self, node: ast.Call) -> None:
        # Arguments a call rewrite drops are not compared (the AST check covers the rest).
        self.visit(node.func)
        for argument in node.args:
            self.visit(argument)
        for keyword in node.keywords:
            if keyword.arg not in DROPPED_KEYWORDS:
                self.visit(keyword.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and SUBJECT_PATHS.match(node.value):
            self.found.append(node.value)


def references(text: str) -> list[str]:
    tree = ast.parse(text)
    visitor = _References(tree)
    for statement in tree.body:
        if not isinstance(statement, ast.Import | ast.ImportFrom):
            visitor.visit(statement)
    return visitor.found


def canonical(path: str, rules) -> str:
    """Where a rule says `path` now lives (itself when no rule moves it)."""
    for rule in sorted(rules.rules.rules, key=lambda r: r.old_name is None):
        if rule.new_path is None:
            continue
        old = rule.old_path
        if path == old or path.startswith(old + "."):
            return rule.new_path + path[len(old):]
    return path


# Programs hypothesis once found failing, always run again.
GUARDED_IMPORT = (
    '"""A module."""\nimport os\ntry:\n    from old.pkg import thing\nexcept ImportError:\n    pass\n'
    "from new.pkg import other\n\n\ndef alpha_0(alpha):\n    result = thing(alpha)\n    return None\n"
)
MODULE_MOVE = "from moved.mod import mover\n\n\ndef alpha_0(alpha):\n    return mover(alpha)\n"
DECORATED = (
    "from unittest import mock\n\n\n@mock.patch('old.pkg.thing')\ndef alpha_0(alpha):\n"
    "    return None\n"
)


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    root = tmp_path_factory.mktemp("properties")
    (root / "ssot-ls.toml").write_text(RULES, encoding="utf-8")
    return ConfigResolver().for_path(root / "module.py"), root


# By default: 80 examples from a fixed seed, so every run (and CI) tests the same programs
# in ~10 s. SSOT_PROPERTY_EXAMPLES=2000 makes a long, randomized hunt.
_HUNT = os.environ.get("SSOT_PROPERTY_EXAMPLES")
PROPERTY_SETTINGS = settings(
    max_examples=int(_HUNT or 80), derandomize=not _HUNT, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROPERTY_SETTINGS
@given(programs())
@example(GUARDED_IMPORT)
@example(MODULE_MOVE)
@example(DECORATED)
def test_fixed_program_parses_is_stable_and_only_imports_and_references_change(config, program):
    rules, root = config
    path = root / "module.py"
    ast.parse(program)  # the generator only makes valid programs
    result = fix_source(program, path, rules, unsafe=True)
    ast.parse(result.text)
    again = fix_source(result.text, path, rules, unsafe=True)
    assert again.text == result.text
    assert result.converged
    left = [(f.code, result.text[f.start:f.end]) for f in result.remaining if f.fixable]
    assert left == []
    assert normalized(result.text) == normalized(program)
    before, after = references(program), references(result.text)
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        assert new in {old, canonical(old, rules)}, f"{old} became {new}"


@PROPERTY_SETTINGS
@given(programs())
@example(GUARDED_IMPORT)
@example(MODULE_MOVE)
def test_every_fixable_finding_has_a_quick_fix(config, program):
    rules, root = config
    path = root / "module.py"
    for finding in check_source(program, path, rules):
        if finding.fixable:
            fix = fix_group(program, path, rules, finding.group)
            assert fix is not None, (finding.code, program[finding.start:finding.end])
            assert fix.applicability is finding.applicability


@PROPERTY_SETTINGS
@given(programs(), st.sampled_from(["", "- ", "> ", "1. ", "- > "]), st.sampled_from(["```", "~~~~"]))
def test_fence_is_fixed_like_the_file(config, program, container, marker):
    rules, root = config
    fixed_file = fix_source(program, root / "module.py", rules, unsafe=True).text
    continuation = re.sub(r"[^>\s]", " ", container)

    def fenced(code: str) -> str:
        lines = [f"{marker}python", *code.splitlines(), marker]
        body = [container + lines[0]]
        body += [(continuation + line) if line else continuation.rstrip() for line in lines[1:]]
        return "# Guide 🎉\n\nSome text ✨\n\n" + "\n".join(body) + "\n"

    document = fenced(program)
    [fence] = python_fences(document)
    assert fence.code == program + "\n" if not program.endswith("\n") else fence.code == program
    fixed_document = fix_source(document, root / "guide.md", rules, unsafe=True).text
    assert fixed_document == fenced(fixed_file)
