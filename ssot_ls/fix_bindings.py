"""How one import and every use of the name it binds move to their new targets, meaning kept.

The principle: a fix binds the same local names, in the same scopes, as before, each to its
new target, and changes as few lines as possible. `import mock` becomes `from unittest
import mock`; `import a.b as x` becomes `import z.b as x`; `from a.c import d` becomes
`from z.c import d`. A use is edited only when the name it spells changes: a renamed name
(when the new name is free everywhere it is used), or a module attribute that moved
elsewhere. Where a rename is not provably safe, the import keeps the old local name as an
alias (`from new import new_name as old_name`), which is always safe.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from ssot_ls.analysis import Analysis, Binding, Call, Use, keywords_change
from ssot_ls.fix_model import NewImport, NoFix, Work
from ssot_ls.fix_safety import Safety
from ssot_ls.rules import Rule
from ssot_ls.types import Edit


@dataclass(frozen=True)
class _Rebound:
    """What the binding's name refers to after the fix: ``local`` bound to ``target``;
    ``dotted``: uses spell the target's whole path (`import a.b` binds `a`)."""

    local: str
    target: str
    dotted: bool


@dataclass
class _Respelling:
    """A use and the text it will spell, from its start up to ``end``."""

    use: Use
    text: str
    end: int


def _split(path: str) -> tuple[str, str]:
    module, _, name = path.rpartition(".")
    return module, name


def _natural(new_path: str) -> NewImport:
    """The import that binds ``new_path`` under its own name: `from a.b import c`, or
    `import c` for a top-level module."""
    module, name = _split(new_path)
    return NewImport(module, name) if module else NewImport(new_path)


class BindingFixer:
    def __init__(self, analysis: Analysis, safety: Safety, line_of: Callable[[int], int],
                 rewrite_call: Callable[[Call, str, Rule, Work], None],
                 line_length: Callable[[], int] | None = None) -> None:
        self.analysis = analysis
        self.line_length = line_length
        self.safety = safety
        self.line_of = line_of
        self.rewrite_call = rewrite_call

    # -- the whole binding ---------------------------------------------------------------------
    def collect(self, binding: Binding, work: Work) -> None:
        if binding.dead_fallback and binding.rule is not None and binding.rule.removed:
            raise NoFix(f"this fallback imports `{binding.rule.old_module}`, which no longer exists: "
                        "delete the `except ImportError:` branch")
        self._check_rules(binding)
        if not self.analysis.parsed:
            self._collect_unparsed(binding, work)
            return
        rule = binding.rule
        rebound_path = rule.map(binding.path) if rule is not None else None
        follows: list[Use] = []
        diverted: list[Use] = []
        remaining: list[Use] = []
        for use in binding.uses:
            under = use.qualified == binding.path or use.qualified.startswith(binding.path + ".")
            # A use a rule only reports (no replacement, or a call a person must rewrite) keeps
            # needing the old import; the other uses are still fixed.
            if use.rule is None or use.target is None or \
                    (use.rule.calls == "report" and use.rule is not binding.rule):
                remaining.append(use)
            elif rebound_path is not None and under and \
                    use.target == rebound_path + use.qualified[len(binding.path):]:
                follows.append(use)
            else:
                diverted.append(use)
        respelled: list[_Respelling] = []
        rebound: _Rebound | None = None
        self._check_unambiguous(binding, follows, diverted)
        changes_import = rebound_path is not None or (bool(diverted) and not remaining
                                                      and binding.loads == len(diverted))
        reason = self.safety.loader_conflict(binding, [*follows, *diverted], changes_import)
        if reason:
            raise NoFix(reason)
        if rule is not None and rule.awaitable and rebound_path is not None:
            exported = self.safety.exported(binding)
            if exported:
                raise NoFix(f"{exported}: other code may call it without `await`; fix by hand")
        ruled_remaining = [u for u in remaining if u.rule is not None]
        if rebound_path is not None and ruled_remaining:
            raise self._stuck(binding, ruled_remaining)  # rebinding would move them too
        if rebound_path is not None:
            rebound = self._rebind(binding, rebound_path, follows, remaining, respelled, work)
        elif not diverted:
            raise self._stuck(binding, remaining)
        if diverted:
            self._divert(binding, diverted, rebound, respelled, work)
        if rebound_path is None:
            self._drop_if_unused(binding, diverted, remaining, work)
        for respelling in respelled:
            self._write_use(respelling, work)

    def _check_rules(self, binding: Binding) -> None:
        if binding.rule is not None and binding.rule.calls == "report" and binding.uses \
                and not binding.is_module:
            lines = ", ".join(str(self.line_of(u.start)) for u in binding.uses if u.start is not None)
            raise NoFix(f"rewrite the use(s) of `{binding.local}` by hand (line {lines}): "
                        f"`{binding.rule.target_name}` needs arguments the old call did not have")

    def _stuck(self, binding: Binding, remaining: list[Use]) -> NoFix:
        """Why nothing can be done for a binding whose remaining uses need it as it is."""
        for use in remaining:
            rule = use.rule
            if rule is not None and rule is not binding.rule and rule.calls == "report":
                return NoFix(f"rewrite `{use.qualified.rpartition('.')[2]}` by hand: "
                             f"`{rule.target_name}` needs arguments the old call did not have")
            if rule is not None and rule is not binding.rule and rule.new_module is None:
                return NoFix(f"no replacement configured for `{use.qualified}`")
        if binding.rule is not None and binding.rule.new_module is None:
            if remaining:
                return NoFix("no replacement configured for this module; "
                             "uses of names without a rule stay as they are")
            return NoFix("no replacement configured")
        return NoFix("no use here has a configured replacement")

    def _check_unambiguous(self, binding: Binding, follows: list[Use], diverted: list[Use]) -> None:
        """A name bound twice in its scope (a fallback stub, an assignment, a loop variable, a
        later star import, `global`): a use may read either binding, so only a rewrite that
        changes no use is safe."""
        other = self.safety.other_binding(binding)
        if other is None:
            return
        line = self.safety.document_line(other.line)
        where = f"`{binding.local}` is also bound on line {line} ({other.kind})"
        awaited = [u for u in follows if u.rule is not None and u.rule.awaitable and u.call is not None
                   and not u.call.awaited]
        if awaited:
            raise NoFix(f"{where}, which may not be async: its calls cannot all become `await`; "
                        "fix by hand")
        if diverted or (binding.path != binding.qualified and follows):
            use = (diverted or follows)[0]
            line = self.line_of(use.start) if use.start is not None else use.line
            raise NoFix(f"{where}: line {line} may read either, so its uses cannot be "
                        "rewritten; fix by hand")

    def _collect_unparsed(self, binding: Binding, work: Work) -> None:
        """Code that does not parse: its uses are unknown, so only an import that keeps its
        local name can be rewritten."""
        rule = binding.rule
        if rule is None or rule.new_module is None:
            raise NoFix("the code does not parse")
        new_path = rule.map(binding.path)
        assert new_path is not None
        new = self._keep_local(binding, new_path)
        alias = binding.statement.node.names[binding.index]
        # An alias that only keeps unseen uses working would outlive the typing that broke
        # the code: only a rewrite that is also the natural import is made.
        if rule.awaitable or (alias.asname is None and _natural(new_path) != new):
            raise NoFix("the code does not parse, so the uses of the name are unknown")
        work.replaced[(binding.statement.start, binding.index)] = (binding.statement, new)

    # -- rebinding the import itself -----------------------------------------------------------
    def _rebind(self, binding: Binding, new_path: str, follows: list[Use], remaining: list[Use],
                respelled: list[_Respelling], work: Work) -> _Rebound:
        """Replace the import with one of ``new_path``: the natural import of the new place
        when its name is free wherever it would be read, else one keeping the old name."""
        key = (binding.statement.start, binding.index)
        alias = binding.statement.node.names[binding.index]
        if binding.path != binding.qualified:  # `import a.b.c` binds `a`
            return self._rebind_dotted(binding, new_path, follows, remaining, respelled, work)
        self._check_no_twin(binding)
        natural = _natural(new_path)
        keep = self._keep_local(binding, new_path)
        # An explicit alias (`as x`) stays, and so does a module imported by name (`from six.moves
        # import http_client`): the module's own namespace keeps it. A renamed name, or a
        # top-level module imported as itself, follows the new name where it is free.
        plain_import = isinstance(binding.statement.node, ast.Import)
        if natural.local == binding.local or alias.asname is not None or \
                (binding.is_module and not plain_import):
            return self._keep(binding, keep, follows, respelled, work)
        reason = self._rename_blocker(binding, natural, follows, remaining)
        builtin = natural.module == "builtins"
        if reason is None and builtin:
            # A builtin needs no import: the uses spell it bare where nothing hides it.
            reason = self.safety.builtin_visible(natural.local, follows)
        if reason is None:
            work.replaced[key] = (binding.statement, None if builtin else natural)
            for use in follows:
                assert use.start is not None and use.root_end is not None
                respelled.append(_Respelling(use, natural.local, use.root_end))
            return _Rebound(natural.local, natural.qualified, False)
        rule = binding.rule
        if rule is not None and rule.calls == "report":
            # `from new import other as old` would pretend the new callable is a drop-in.
            raise NoFix(f"{reason}: import `{rule.new_path}` under its own name by hand")
        return self._keep(binding, keep, follows, respelled, work)

    def _keep(self, binding: Binding, keep: NewImport, follows: list[Use],
              respelled: list[_Respelling], work: Work) -> _Rebound:
        """Rebind the old local name: uses keep their spelling (calls may still gain `await`)."""
        work.replaced[(binding.statement.start, binding.index)] = (binding.statement, keep)
        for use in follows:
            if use.start is not None and use.root_end is not None:
                respelled.append(_Respelling(use, binding.local, use.root_end))
            elif use.rule is not None and use.rule.awaitable and not use.in_annotation:
                raise NoFix(f"line {use.line}: a use that cannot be rewritten would need `await`")
        return _Rebound(keep.local, keep.qualified, False)

    def _check_no_twin(self, binding: Binding) -> None:
        twin = self.safety.twin_import(binding)
        if twin is not None:
            raise NoFix(f"`{binding.local}` is also imported on line {self.safety.document_line(twin.line)}: "
                        "changing one of the two would give the name two meanings; fix both by hand")

    def _keep_local(self, binding: Binding, new_path: str) -> NewImport:
        """The import of ``new_path`` that binds the old local name, in the statement's style."""
        natural = _natural(new_path)
        if natural.local == binding.local:
            return natural
        if isinstance(binding.statement.node, ast.ImportFrom) and natural.is_from:
            return NewImport(natural.module, natural.name, binding.local)
        return NewImport(new_path, None, binding.local)

    def _rename_blocker(self, binding: Binding, natural: NewImport, follows: list[Use],
                        remaining: list[Use]) -> str | None:
        """Why the old local name must stay (None: every use can spell the natural name)."""
        if remaining:
            return "other uses need the old name"
        reason = self.safety.exported(binding)
        if reason:
            return reason
        if self.safety.other_binding(binding) is not None:
            return "bound twice"
        if any(not use.rewritable for use in follows):
            return "a use cannot be rewritten in place"
        scope = binding.scope
        assert scope is not None
        reason = self.safety.can_bind(natural.local, scope, natural.qualified, follows, [binding],
                                      binding.statement.first_line)
        return reason or self._too_long(binding.local, natural.local, follows)

    def _too_long(self, old: str, new: str, uses: list[Use]) -> str | None:
        """Renaming must not push a line past the project's line length (the alias does not)."""
        growth = len(new) - len(old)
        if growth <= 0 or self.line_length is None or not uses:
            return None
        limit = self.line_length()
        text = self.analysis.text
        per_line: dict[int, int] = {}
        for use in uses:
            assert use.start is not None
            line_start = text.rfind("\n", 0, use.start) + 1
            per_line[line_start] = per_line.get(line_start, 0) + 1
        for line_start, count in per_line.items():
            end = text.find("\n", line_start)
            line = text[line_start:len(text) if end == -1 else end].rstrip("\r")
            if len(line) <= limit < len(line) + growth * count:
                return f"`{new}` would push line {self.line_of(line_start)} past {limit} characters"
        return None

    def _rebind_dotted(self, binding: Binding, new_path: str, follows: list[Use],
                       remaining: list[Use], respelled: list[_Respelling], work: Work) -> _Rebound:
        """`import a.b.c` (binds `a`) -> `import z.b.c`; uses spelling `a.b.c` respelled."""
        key = (binding.statement.start, binding.index)
        rule = binding.rule
        assert rule is not None and rule.new_module is not None
        # `import collections.Container` names a name: the new import is of its new module.
        new = NewImport(new_path if rule.old_name is None else rule.new_module)
        old_root, new_root = binding.local, new.local
        text = self.analysis.text
        for use in follows:
            assert use.start is not None
            if not text.startswith(binding.path, use.start):
                raise NoFix(f"rewrite line {self.line_of(use.start)} by hand: "
                            f"`{binding.path}` is not spelled in one piece there")
        if new_root != old_root:
            scope = binding.scope
            assert scope is not None
            reason = self.safety.can_bind(new_root, scope, new_root, follows, [binding],
                                          binding.statement.first_line)
            if reason:
                raise NoFix(f"{reason}: rename it, or import `{new_path}` by hand")
            if remaining and next(self.safety.sites_besides(binding), None) is None:
                work.add_import(binding.statement, NewImport(old_root))  # other uses still need it
            elif not remaining:
                reason = self.safety.exported(binding)
                if reason:
                    raise NoFix(f"{reason}; import `{new_path}` next to it by hand")
        work.replaced[key] = (binding.statement, new)
        for use in follows:
            assert use.start is not None
            respelled.append(_Respelling(use, new_path, use.start + len(binding.path)))
        return _Rebound(new_root, new_path, True)

    # -- uses that move somewhere else than the import -----------------------------------------
    def _divert(self, binding: Binding, diverted: list[Use], rebound: _Rebound | None,
                respelled: list[_Respelling], work: Work) -> None:
        """Uses whose target is not where the import moves: each gets its own reference."""
        pending: dict[tuple[str, str | None], list[Use]] = {}
        for use in diverted:
            if not use.rewritable:
                raise NoFix(f"line {use.line}: a use in a string annotation cannot be rewritten; "
                            "fix it by hand")
            text = self._through_binding(use, rebound)
            if text is None:
                text = self._through_existing_import(use)
            if text is not None:
                assert use.end is not None
                respelled.append(_Respelling(use, text, use.end))
                continue
            module, tail = self._target_module(use)
            # A moved name is imported by name; a moved module, as a module.
            first = tail.split(".")[0] if tail and use.rule is not None and use.rule.old_name else None
            pending.setdefault((module, first), []).append(use)
        for (module, first), uses in pending.items():
            self._import_for(binding, module, first, uses, respelled, work)

    def _through_binding(self, use: Use, rebound: _Rebound | None) -> str | None:
        """The new target reached through the (rebound) binding itself: `m.thing` -> `m.other`
        when `m` is, or becomes, the module that holds `other`."""
        target, rule = use.target, use.rule
        assert target is not None and rule is not None and use.start is not None
        if rebound is not None:
            if not target.startswith(rebound.target + "."):
                return None
            return target if rebound.dotted else rebound.local + target[len(rebound.target):]
        # Without a new import, only a name renamed within its own module is reachable.
        if rule.old_name and rule.new_module == rule.old_module and use.qualified == rule.old_path:
            spelled = self.analysis.text[use.start:use.end]
            if spelled.endswith(rule.old_name):
                return spelled[:-len(rule.old_name)] + (rule.target_name or rule.old_name)
        return None

    def _through_existing_import(self, use: Use) -> str | None:
        """An import already in scope that binds the target (or its module)."""
        target = use.target
        assert target is not None and use.scope is not None
        module, tail = self._target_module(use)
        candidates: list[tuple[str, str, str]] = []  # (local, what it must bind, text)
        if tail:
            first = tail.partition(".")[0]
            candidates.append((first, f"{module}.{first}", tail))
        last = module.rpartition(".")[2]
        candidates.append((last, module, f"{last}.{tail}" if tail else last))
        root = module.split(".")[0]
        candidates.append((root, root, target))
        for local, qualified, text in candidates:
            sites = self.safety.imported_here(local, use.scope, qualified)
            if sites is None:
                continue
            if local == root and qualified == root and not any(
                    site.node is not None and getattr(site.node, "name", "").startswith(module)
                    for site in sites):
                continue  # `import a.x` binds `a` but does not load `a.b`
            return text
        return None

    @staticmethod
    def _target_module(use: Use) -> tuple[str, str]:
        """The module of a use's target, and the attribute path after it."""
        rule = use.rule
        assert rule is not None and rule.new_module is not None and use.target is not None
        module = rule.new_module
        tail = use.target[len(module) + 1:] if use.target != module else ""
        return module, tail

    def _import_for(self, binding: Binding, module: str, first: str | None, uses: list[Use],
                    respelled: list[_Respelling], work: Work) -> None:
        """Add an import of ``module`` (or of ``module.first``) for ``uses``, in the style of
        the binding's own import where it can, else the other style; or say why not."""
        scope = binding.scope
        assert scope is not None
        node = binding.statement.node
        # `import a.b` then `a.b.x`: the new target is spelled in full the same way.
        plain_style = isinstance(node, ast.Import) and node.names[binding.index].asname is None
        options: list[tuple[NewImport, Callable[[Use], str]]] = []
        plain = NewImport(module)
        options.append((plain, lambda use: use.target or ""))
        if first is not None:
            named = NewImport(module, first)
            options.append((named, lambda use: use.target[len(module) + 1:] if use.target else ""))
        else:
            parent, last = _split(module)
            if parent:
                options.append((NewImport(parent, last),
                                lambda use: last + (use.target or "")[len(module):]))
        if not plain_style:
            options.reverse()
        reasons: list[str] = []
        if module == "builtins" and first is not None:
            reason = self.safety.builtin_visible(first, uses)
            if reason is None:  # a builtin needs no import
                for use in uses:
                    assert use.end is not None and use.target is not None
                    respelled.append(_Respelling(use, use.target[len(module) + 1:], use.end))
                return
            reasons.append(reason)
        for new, spell in options:
            reason = self.safety.can_bind(new.local, scope, new.qualified, uses,
                                          line=binding.statement.first_line)
            if reason is None:
                work.add_import(binding.statement, new)
                for use in uses:
                    assert use.end is not None
                    respelled.append(_Respelling(use, spell(use), use.end))
                return
            reasons.append(reason)
        raise NoFix(reasons[0])

    def _drop_if_unused(self, binding: Binding, diverted: list[Use], remaining: list[Use],
                        work: Work) -> None:
        """Without a replacement for the import itself, it goes once no read needs it."""
        if remaining or binding.loads > len(diverted):
            return
        if binding.path == binding.qualified:
            self._check_no_twin(binding)  # reads may see the twin: it cannot go alone
        reason = self.safety.exported(binding)
        if reason:
            if binding.rule is None:
                return  # not deprecated itself: it stays, unused or not
            raise NoFix(f"{reason}; removing its import would change what the module offers")
        work.replaced[(binding.statement.start, binding.index)] = (binding.statement, None)

    # -- writing the uses ----------------------------------------------------------------------
    def _write_use(self, respelling: _Respelling, work: Work) -> None:
        use, text = respelling.use, respelling.text
        assert use.start is not None and use.end is not None
        rule = use.rule
        call = use.call
        if rule is not None and use.target is not None and call is not None \
                and call.start == use.start and keywords_change(use, rule):
            if respelling.end != use.end:
                text = text + self.analysis.text[respelling.end:use.end]
            self.rewrite_call(call, text, rule, work)
            return
        wants_await = rule is not None and rule.awaitable and use.target is not None
        if wants_await:
            self._check_awaitable(use, rule)
        if wants_await and call is not None and not call.awaited:
            work.awaits = True
            if call.needs_parens:
                work.edits.append(Edit(use.start, respelling.end, f"(await {text}"))
                work.edits.append(Edit(call.end, call.end, ")"))
            else:
                work.edits.append(Edit(use.start, respelling.end, f"await {text}"))
        elif self.analysis.text[use.start:respelling.end] != text:
            work.edits.append(Edit(use.start, respelling.end, text))

    def _check_awaitable(self, use: Use, rule: Rule) -> None:
        call = use.call
        assert use.start is not None
        name = self.analysis.text[use.start:use.end]
        if call is None:
            if use.in_annotation:
                return
            raise NoFix(f"`{name}` is used without being called (line {self.line_of(use.start)}): "
                        f"`{rule.target_name}` is async, so whatever calls it must await it; "
                        "fix by hand")
        if call.awaited:
            return
        if not call.async_context:
            raise NoFix(sync_reason(call, rule, self.line_of))
        if call.start != use.start:
            raise NoFix("unusual call syntax; rewrite by hand")


def sync_reason(call: Call, rule: Rule, line_of: Callable[[int], int]) -> str:
    """Why `await` cannot go at this call: where it is evaluated does not allow it."""
    line = line_of(call.start)
    if call.header_of is not None:
        return (f"line {line} is a default value, decorator or annotation of `{call.header_of}`, "
                f"evaluated outside the coroutine: it cannot await `{rule.target_name}`")
    return f"{call.scope.describe()} (line {line}) is not async; make it `async def` to await " \
           f"`{rule.target_name}`"
