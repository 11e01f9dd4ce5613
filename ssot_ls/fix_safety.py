"""The scope checks a fix passes before it binds, renames or removes a name.

A fix keeps the program's meaning when every use still sees the binding it saw, mapped
through the rules. Binding a new name in a scope can break that in three ways: the scope
already binds the name to something else; a scope between a use and the new binding binds
it (the use would not see the new import); or an existing read of the name would now see
the new import (it is captured). Removing or renaming a name breaks it when something else
reads the old name: another binding of it in the same scope, or the module's interface.
Each check returns None when the fix is safe, else the reason shown to the user.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Collection, Iterator

from ssot_ls.analysis import Analysis, Binding, Use, resolve_relative
from ssot_ls.scopes import Scope, ScopeKind, Site, resolve


def _loaded_paths(binding: Binding) -> set[str]:
    """The modules an import alias loads: `import a.b.c` loads `a.b.c` and `a.b`; `from a.b
    import c` loads `a.b`, and `a.b.c` when the rules say it is a module (a name may be
    anything: counting it would make `from six import BytesIO` a loader of `six.BytesIO`)."""
    parts = binding.path.split(".")
    if isinstance(binding.statement.node, ast.ImportFrom) and not binding.is_module:
        parts = parts[:-1]
    return {".".join(parts[:n]) for n in range(2, len(parts) + 1)}


def _deeper_paths(base: str, path: str) -> list[str]:
    """The dotted paths between ``base`` (excluded) and ``path`` (included)."""
    if not path.startswith(base + "."):
        return []
    rest = path[len(base) + 1:].split(".")
    return [".".join([base, *rest[:n]]) for n in range(1, len(rest) + 1)]


def import_site_target(site: Site, package: str | None) -> str | None:
    """The object an import binds: `a` for `import a.b`, `a.b` for `import a.b as x`,
    `m.x` for `from m import x`; None for anything that is not an import."""
    alias, statement = site.node, site.statement
    if site.kind != "import" or not isinstance(alias, ast.alias) or statement is None:
        return None
    if isinstance(statement, ast.Import):
        return alias.name if alias.asname else alias.name.split(".")[0]
    module = resolve_relative(statement.module, statement.level, package)
    return f"{module}.{alias.name}" if module else None


class Safety:
    def __init__(self, analysis: Analysis, package: str | None, package_init: bool,
                 line_of: Callable[[int], int] | None = None) -> None:
        self.analysis = analysis
        self.package = package
        # In a package's `__init__.py`, what the module binds is what the package offers.
        self.package_init = package_init
        self.line_of = line_of or (lambda line: line)

    def document_line(self, line: int) -> int:
        """A 1-based line of the analysed code as the user sees it (a fence starts mid-file)."""
        return self.line_of(self.analysis.positions.line_start(line))

    # -- removing or renaming a binding -------------------------------------------------------
    def exported(self, binding: Binding) -> str | None:
        """Why ``binding``'s name must stay bound: other modules may import it from here."""
        scope = binding.scope
        if scope is not None and scope.kind is ScopeKind.CLASS:
            return f"`{binding.local}` is an attribute of {scope.describe()}"
        if scope is None or scope.kind is not ScopeKind.MODULE:
            return None
        if binding.local in self.analysis.exported:
            return f"`{binding.local}` is listed in `__all__`"
        if self.package_init:
            return f"`{binding.local}` is part of the package's interface (`__init__.py`)"
        return None

    def sites_besides(self, binding: Binding) -> Iterator[tuple[Site, bool]]:
        """The other sites binding the same name in the binding's scope, each with whether it
        imports the same object (`import a.b` and `import a.c` both bind the package `a`)."""
        scope = binding.scope
        if scope is None:
            return
        alias = binding.statement.node.names[binding.index] if binding.index >= 0 else None
        for site in scope.bindings.get(binding.local, ()):
            if site.node is not alias:
                yield site, import_site_target(site, self.package) == binding.qualified

    def twin_import(self, binding: Binding) -> Site | None:
        """Another import of the same object under the same name in the same scope: reads may
        see either, so neither can change alone."""
        return next((site for site, same in self.sites_besides(binding) if same), None)

    def other_binding(self, binding: Binding) -> Site | None:
        """Another binding of the same name in the same scope (a fallback stub, a second
        import, an assignment, `del`): reads may see it instead, so uses cannot be renamed."""
        scope = binding.scope
        if scope is None:
            return None
        for site, same in self.sites_besides(binding):
            if not same:
                return site
        if binding.declared_elsewhere:
            return Site("global", binding.statement.first_line)
        later_stars = [line for line in scope.star_import_lines if line > binding.statement.first_line]
        if scope.kind is ScopeKind.MODULE and later_stars:
            return Site("star import", later_stars[0])  # it may rebind the name after the import
        return None

    def imported_here(self, name: str, scope: Scope, qualified: str) -> list[Site] | None:
        """The import sites through which a read of ``name`` in ``scope`` surely sees
        ``qualified``: every binding it may see imports exactly that, unconditionally (an
        `if TYPE_CHECKING:` import never runs). None when that is not so."""
        if name not in self.analysis.names:
            return None
        seen = resolve(name, scope)
        if seen is None:
            return None
        sites = seen.bindings.get(name, [])
        if {import_site_target(site, self.package) for site in sites} != {qualified} or \
                any(site.conditional for site in sites):
            return None
        return sites

    # -- imports that load submodules for other uses -----------------------------------------
    def loader_conflict(self, binding: Binding, respelled: Collection[Use],
                        changes_import: bool) -> str | None:
        """`import a.c` loads `a.c`, and `a.c.d` may be read through another import of `a`.
        A fix must not take a loader away from a use it does not rewrite too, nor respell a
        use whose loader is an import another fix will change (fix that one first)."""
        loaders = self._loaders
        own = {id(binding)}
        for use in respelled:
            for path in _deeper_paths(binding.path, use.qualified):
                for other in loaders.get(path, ()):
                    if id(other) not in own and other.rule is not None:
                        line, reader = self.document_line(other.statement.first_line), \
                            self.document_line(use.line)
                        return (f"line {line} imports `{path}`, which line {reader} reads through "
                                f"`{binding.local}`: fix that import first")
        if not changes_import:
            return None
        loaded = _loaded_paths(binding)
        for other in self.analysis.bindings:
            if id(other) in own or other.index < 0:
                continue
            for use in other.uses:
                for path in _deeper_paths(other.path, use.qualified):
                    if path in loaded and not self._loaded_elsewhere(path, binding):
                        return (f"line {self.document_line(use.line)} reads `{path}` through "
                                f"`{other.local}`, and this import is what loads it: fix that line first")
        return None

    @functools.cached_property
    def _loaders(self) -> dict[str, list[Binding]]:
        """Module path -> the imports that load it (the analysis does not change: once)."""
        found: dict[str, list[Binding]] = {}
        for binding in self.analysis.bindings:
            if binding.index >= 0:
                for path in _loaded_paths(binding):
                    found.setdefault(path, []).append(binding)
        return found

    def _loaded_elsewhere(self, path: str, binding: Binding) -> bool:
        return any(b is not binding and b.rule is None for b in self._loaders.get(path, ()))

    # -- binding a name ---------------------------------------------------------------------
    def can_bind(self, name: str, scope: Scope, qualified: str, uses: Collection[Use],
                 replacing: Collection[Binding] = (), line: int = 0) -> str | None:
        """Can ``scope`` bind ``name`` to ``qualified`` (with an import on ``line``) so that
        ``uses`` (rewritten to spell ``name``) see it, and no other read changes what it sees?"""
        if name not in self.analysis.names or self.analysis.scopes is None:
            return f"`{name}` cannot be checked here"
        replaced = {id(b.statement.node.names[b.index]) for b in replacing if b.index >= 0}
        kept: list[Site] = []
        for site in scope.bindings.get(name, ()):
            if id(site.node) in replaced:
                continue
            if import_site_target(site, self.package) != qualified:
                line_number = self.document_line(site.line)
                return f"`{name}` is already bound in {scope.describe()} (line {line_number})"
            kept.append(site)
        if scope.kind is ScopeKind.MODULE:
            for star in scope.star_import_lines:
                # A star import may bind the name too: whichever binding runs last wins, so ours
                # must not come after it unless the same import already did.
                if not kept or (star < line and not any(site.line > star for site in kept)):
                    return f"the star import on line {self.document_line(star)} may also bind `{name}`"
        for use in uses:
            assert use.scope is not None
            seen = resolve(name, use.scope, extra=scope)
            if seen is not scope:
                return self._hidden(name, use, seen)
        rewritten = {(use.start, use.end) for use in uses}
        for load in self.analysis.scopes.loads_of(name):
            if (load.start, load.end) in rewritten:
                continue
            before = resolve(name, load.scope)
            if before is scope:
                continue
            if resolve(name, load.scope, extra=scope) is scope:
                return (f"`{name}` on line {self.document_line(load.line)} would then mean the new import")
        return None

    def builtin_visible(self, name: str, uses: Collection[Use]) -> str | None:
        """Can ``uses`` spell the builtin ``name`` bare (nothing in their scopes binds it)?"""
        if name not in self.analysis.names or self.analysis.scopes is None:
            return f"`{name}` cannot be checked here"
        module = self.analysis.scopes.module
        if module.star_import_lines:
            return (f"the star import on line {self.document_line(module.star_import_lines[0])} may "
                    f"bind `{name}`")
        for use in uses:
            assert use.scope is not None
            seen = resolve(name, use.scope)
            if seen is not None:
                return self._hidden(name, use, seen)
        return None

    def _hidden(self, name: str, use: Use, seen: Scope | None) -> str:
        where = seen.describe() if seen is not None else "an enclosing scope"
        line = ""
        if seen is not None and seen.bindings.get(name):
            line = f" (line {self.document_line(seen.bindings[name][0].line)})"
        return f"`{name}` is bound in {where}{line}, where line {self.document_line(use.line)} uses it"
