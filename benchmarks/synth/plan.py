"""Decide the shape of the tree: packages, modules, their exports and sizes, the docs.

Everything here comes from one seeded random stream, so the plan (and, since each file is
rendered from a stream seeded by the plan seed and its path, the whole tree) is a pure
function of the arguments.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from synth.deprecated import MARKDOWN_FORMS, choose_python_form
from synth.vocab import CLASS_SUFFIXES, MODULE_SUFFIXES, NOUNS, VERBS

AVERAGE_PY_LINES = 365  # exports overshoot the sampled sizes ~10%: 10,000 files -> ~4 M lines
AVERAGE_MD_LINES = 120
MODULES_PER_PACKAGE = 40
DEPRECATED_SHARE = 0.01  # ~1% of files use the deprecated module (the seed: 120 of ~10k)
FACTORY_MENTION_SHARE = 0.06  # harmless "factory" words, so a text prefilter cannot skip them

ROOT_PACKAGES = (
    "netra_backend.app.agents",
    "netra_backend.app.services",
    "netra_backend.app.websocket_core",
    "netra_backend.app.db",
    "netra_backend.app.routes",
    "netra_backend.app.schemas",
    "netra_backend.app.core",
    "netra_backend.app.middleware",
    "netra_backend.app.monitoring",
    "netra_backend.app.llm",
    "netra_backend.app.tools",
    "netra_backend.app.clients",
    "netra_backend.app.utils",
    "netra_backend.app.auth_integration",
    "netra_backend.tests.unit",
    "netra_backend.tests.integration",
    "auth_service.auth_core.services",
    "auth_service.auth_core.routes",
    "auth_service.auth_core.models",
    "analytics_service.analytics_core.services",
    "analytics_service.analytics_core.models",
    "shared.types",
    "shared.logging",
    "shared.config",
    "tests.unit",
    "tests.integration",
    "tests.e2e",
    "tests.mission_critical",
    "scripts",
)

# Modules the planted code and the harmless mentions refer to, with fixed names and exports.
FIXED_MODULES = {
    "netra_backend.app.websocket_core.websocket_manager": (
        ("WebSocketManager", "WebSocketConnection"),
        ("get_websocket_manager", "close_user_sockets"),
    ),
    "netra_backend.app.websocket_core.canonical_imports": (
        ("CanonicalRegistry",),
        ("create_websocket_manager",),
    ),
    "netra_backend.app.db.factory": (("SessionFactory",), ("create_session_factory",)),
    "netra_backend.app.services.user_execution_context": (
        ("UserExecutionContext",),
        ("create_defensive_user_execution_context",),
    ),
}


@dataclass(frozen=True)
class PythonModule:
    path: str  # relative, POSIX
    dotted: str
    package: str
    is_init: bool
    is_test: bool
    target_lines: int
    classes: tuple[str, ...]
    functions: tuple[str, ...]
    imports: tuple[tuple[str, tuple[str, ...]], ...]  # (module, names) of other generated modules
    deprecated_forms: tuple[str, ...]  # planted uses (see deprecated.py); usually none
    mentions_factory: bool


@dataclass(frozen=True)
class MarkdownDoc:
    path: str
    title_noun: str
    target_lines: int
    deprecated_form: str | None
    mentions_factory: bool


@dataclass(frozen=True)
class TreePlan:
    seed: int
    python: tuple[PythonModule, ...]
    markdown: tuple[MarkdownDoc, ...]


def _is_test_package(package: str) -> bool:
    return package.startswith("tests") or ".tests." in f".{package}."


def _plan_packages(rng: random.Random, module_count: int) -> list[str]:
    wanted = max(len(ROOT_PACKAGES), module_count // MODULES_PER_PACKAGE)
    packages = list(ROOT_PACKAGES)
    while len(packages) < wanted:
        parent = rng.choice(ROOT_PACKAGES)
        child = f"{parent}.{rng.choice(NOUNS)}"
        if child not in packages:
            packages.append(child)
    return packages


def _all_package_dirs(packages: list[str]) -> list[str]:
    """Every package and its parents: each directory gets an __init__.py."""
    dirs: set[str] = set()
    for package in packages:
        parts = package.split(".")
        dirs.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(dirs)


def _sample_sizes(rng: random.Random, count: int, total: int, low: int, high: int) -> list[int]:
    """Long-tailed sizes (most files small, a few huge) scaled to about `total`."""
    raw = [rng.lognormvariate(0.0, 0.65) for _ in range(count)]
    scale = total / sum(raw) if raw else 0.0
    return [min(high, max(low, round(value * scale))) for value in raw]


def _exports(rng: random.Random, noun: str, lines: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    class_count = min(5, max(1, lines // 200))
    function_count = min(8, max(1, lines // 100))
    camel = noun.title().replace("_", "")
    classes = tuple(dict.fromkeys(f"{camel}{rng.choice(CLASS_SUFFIXES)}" for _ in range(class_count)))
    functions = tuple(
        dict.fromkeys(f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}" for _ in range(function_count))
    )
    return classes, functions


def plan_tree(py_files: int, md_files: int, seed: int) -> TreePlan:
    rng = random.Random(seed)
    packages = _plan_packages(rng, py_files)
    package_dirs = _all_package_dirs(packages)
    module_count = max(len(FIXED_MODULES), py_files - len(package_dirs))

    # Module names, spread unevenly over the packages; the fixed modules come first.
    names: list[tuple[str, str]] = [
        (dotted.rsplit(".", 1)[0], dotted.rsplit(".", 1)[1]) for dotted in FIXED_MODULES
    ]
    taken = {f"{package}.{name}" for package, name in names}
    weights = [rng.uniform(0.3, 1.7) for _ in packages]
    while len(names) < module_count:
        package = rng.choices(packages, weights)[0]
        stem = f"{rng.choice(NOUNS)}_{rng.choice(MODULE_SUFFIXES)}"
        name = f"test_{stem}" if _is_test_package(package) else stem
        if f"{package}.{name}" not in taken:
            taken.add(f"{package}.{name}")
            names.append((package, name))

    total_lines = AVERAGE_PY_LINES * py_files
    sizes = _sample_sizes(rng, len(names), total_lines - 8 * len(package_dirs), 25, 4000)
    planted = set(
        rng.sample(range(len(FIXED_MODULES), len(names)), max(1, round(DEPRECATED_SHARE * py_files)))
    )
    mentions = set(rng.sample(range(len(names)), round(FACTORY_MENTION_SHARE * py_files)))

    exported: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for index, (package, name) in enumerate(names):
        dotted = f"{package}.{name}"
        if dotted in FIXED_MODULES:
            classes, functions = FIXED_MODULES[dotted]
        else:
            classes, functions = _exports(rng, name.split("_")[-2], sizes[index])
        exported.append((dotted, classes, functions))
    importable = [entry for entry in exported if not _is_test_package(entry[0])]

    modules: list[PythonModule] = []
    for index, (package, _) in enumerate(names):
        dotted, classes, functions = exported[index]
        is_test = _is_test_package(package)
        imports: dict[str, tuple[str, ...]] = {}
        for _ in range(rng.randint(1, 3 if is_test else 6)):
            other, other_classes, other_functions = rng.choice(importable)
            if other != dotted:
                pool = other_classes + other_functions
                imports[other] = tuple(sorted(set(rng.sample(pool, min(len(pool), rng.randint(1, 3))))))
        forms = (choose_python_form(rng, package, is_test),) if index in planted else ()
        modules.append(
            PythonModule(
                path=dotted.replace(".", "/") + ".py",
                dotted=dotted,
                package=package,
                is_init=False,
                is_test=is_test,
                target_lines=sizes[index],
                classes=classes,
                functions=functions,
                imports=tuple(sorted(imports.items())),
                deprecated_forms=forms,
                mentions_factory=index in mentions and index not in planted,
            )
        )
    for package in package_dirs:
        modules.append(
            PythonModule(
                path=package.replace(".", "/") + "/__init__.py",
                dotted=package,
                package=package,
                is_init=True,
                is_test=_is_test_package(package),
                target_lines=rng.randint(1, 15),
                classes=(),
                functions=(),
                imports=(),
                deprecated_forms=(),
                mentions_factory=False,
            )
        )

    return TreePlan(seed=seed, python=tuple(modules), markdown=_plan_docs(rng, md_files))


def _plan_docs(rng: random.Random, count: int) -> tuple[MarkdownDoc, ...]:
    folders = [
        "docs",
        "docs/architecture",
        "docs/guides",
        "docs/runbooks",
        "reports",
        "reports/audits",
        "SPEC",
        "SPEC/learnings",
        "netra_backend/docs",
        "tests/docs",
    ]
    folders += [f"docs/{noun}" for noun in rng.sample(NOUNS, 20)]
    sizes = _sample_sizes(rng, count, AVERAGE_MD_LINES * count, 8, 1500)
    planted = set(rng.sample(range(count), max(1, round(DEPRECATED_SHARE * count)))) if count else set()
    mentions = set(rng.sample(range(count), round(0.04 * count)))
    docs: list[MarkdownDoc] = []
    taken: set[str] = set()
    for index in range(count):
        noun = rng.choice(NOUNS)
        while True:
            slug = f"{rng.choice(VERBS)}_{noun}_{rng.choice(MODULE_SUFFIXES)}_{rng.randint(1, 999)}"
            path = f"{rng.choice(folders)}/{slug.upper() if rng.random() < 0.3 else slug}.md"
            if path not in taken:
                taken.add(path)
                break
        docs.append(
            MarkdownDoc(
                path=path,
                title_noun=noun,
                target_lines=sizes[index],
                deprecated_form=rng.choice(MARKDOWN_FORMS) if index in planted else None,
                mentions_factory=index in mentions and index not in planted,
            )
        )
    return tuple(docs)
