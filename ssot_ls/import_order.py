"""Where import statements and imported names go, and how they are written: ruff's isort (I001).

Pure engine: no file I/O. `ssot_ls.import_style` reads the settings from a project's config
files and finds its first-party roots; the fixer hands the statements of an import block here
and gets back positions and text that `ruff check --select I001,E501` accepts.

The model follows ruff 0.17 (`crates/ruff_linter/src/rules/isort`): statements are normalized
(duplicates dropped, `from` imports of one module merged, `as` imports split off unless
`combine_as_imports`), grouped by section, ordered by a module key (force-to-top, length, relative
distance, case-folded natural order, the first member, the alias) and members by a member key
(star, CONSTANT / Class / variable, case-folded natural order), then written one statement per
line, wrapped in parentheses when too long or when a magic trailing comma asks for it.
"""

from __future__ import annotations

import ast
import enum
import fnmatch
import re
import sys
import unicodedata
from bisect import bisect_right
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

__all__ = [
    "DEFAULT_STYLE",
    "RUFF_DEFAULT_TARGET",
    "ImportStatement",
    "ImportStyle",
    "LineEdit",
    "Section",
    "blank_lines_after_block",
    "blank_lines_before",
    "block_is_sorted",
    "detect_indent_unit",
    "format_block",
    "format_from_import",
    "format_import",
    "insertion_edit",
    "insertion_index",
    "is_standard_library",
    "member_insertion_index",
    "member_key",
    "merge_edit",
    "merge_target",
    "normalize_block",
    "section_of",
    "statement_from_node",
    "statement_key",
    "statements_from_source",
    "text_width",
]

Member = tuple[str, str | None]


class Section(enum.Enum):
    """isort's known sections, in ruff's default order."""

    FUTURE = "future"
    STANDARD_LIBRARY = "standard-library"
    THIRD_PARTY = "third-party"
    FIRST_PARTY = "first-party"
    LOCAL_FOLDER = "local-folder"


@dataclass(frozen=True)
class ImportStyle:
    """The `lint.isort` settings (and line length) that decide order and layout.

    Field names follow ruff's options with `_` for `-`; defaults are ruff's. Module lists are
    glob patterns, as in ruff (`known-first-party = ["pkg.*"]`).
    """

    line_length: int = 88
    indent_width: int = 4
    target_version: tuple[int, int] | None = None  # None: ruff's default, RUFF_DEFAULT_TARGET
    known_first_party: frozenset[str] = frozenset()
    known_third_party: frozenset[str] = frozenset()
    known_local_folder: frozenset[str] = frozenset()
    extra_standard_library: frozenset[str] = frozenset()
    force_to_top: frozenset[str] = frozenset()
    force_sort_within_sections: bool = False
    order_by_type: bool = True
    case_sensitive: bool = False
    combine_as_imports: bool = False
    force_single_line: bool = False
    single_line_exclusions: frozenset[str] = frozenset()
    force_wrap_aliases: bool = False
    split_on_trailing_comma: bool = True
    relative_imports_order: str = "furthest-to-closest"
    lines_after_imports: int = -1
    lines_between_types: int = 0
    from_first: bool = False
    length_sort: bool = False
    length_sort_straight: bool = False
    constants: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    variables: frozenset[str] = frozenset()
    no_lines_before: frozenset[Section] = frozenset()
    section_order: tuple[Section, ...] = tuple(Section)
    default_section: Section = Section.THIRD_PARTY
    no_sections: bool = False
    detect_same_package: bool = True


DEFAULT_STYLE = ImportStyle()


@dataclass(frozen=True)
class ImportStatement:
    """One `import` / `from ... import` statement as the engine sees it.

    `module` is the dotted module without leading dots (`""` for `from . import x`); for a plain
    `import a.b as c` it is the first imported name. `names` holds (name, asname) pairs: the
    imported modules of a plain import, the members of a `from` import. `text` is the statement's
    source (from its first to its last character), `has_comments` whether a comment sits on its
    lines, `trailing_comma` whether its parenthesized member list ends with a magic comma.
    `lineno`/`end_lineno` are 1-based, 0 when unknown.
    """

    module: str
    names: tuple[Member, ...]
    level: int = 0
    is_from: bool = False
    text: str = ""
    has_comments: bool = False
    trailing_comma: bool = False
    lineno: int = 0
    end_lineno: int = 0

    @classmethod
    def make_import(cls, module: str, asname: str | None = None) -> ImportStatement:
        """`import module [as asname]`, built by a fixer rather than parsed."""
        return cls(module=module, names=((module, asname),))

    @classmethod
    def make_from(cls, module_path: str, names: Iterable[Member | str]) -> ImportStatement:
        """`from module_path import names`; `module_path` may start with dots (`..pkg`)."""
        module = module_path.lstrip(".")
        members = tuple((n, None) if isinstance(n, str) else (n[0], n[1]) for n in names)
        return cls(module=module, names=members, level=len(module_path) - len(module), is_from=True)

    @property
    def module_path(self) -> str:
        """The module as written after `from` (leading dots included)."""
        return "." * self.level + self.module


# --- Sections -------------------------------------------------------------------------------

# Top-level stdlib modules whose membership depends on the Python version: (first, last) minor
# versions of Python 3 that have them. ruff's list per version is CPython's
# `sys.stdlib_module_names`; this table carries what the running interpreter cannot tell.
_STDLIB_VERSIONS: dict[str, tuple[int, int]] = {
    "macpath": (0, 7),
    "_dummy_thread": (0, 8),
    "dummy_threading": (0, 8),
    "_bootlocale": (0, 9),
    "formatter": (0, 9),
    "parser": (0, 9),
    "symbol": (0, 9),
    "binhex": (0, 10),
    "_posixshmem": (8, 99),
    "_statistics": (8, 99),
    "_testinternalcapi": (8, 99),
    "_xxsubinterpreters": (8, 12),
    "_aix_support": (9, 99),
    "_bootsubprocess": (9, 11),
    "_zoneinfo": (9, 99),
    "graphlib": (9, 99),
    "zoneinfo": (9, 99),
    "_tokenize": (11, 99),
    "_typing": (11, 99),
    "tomllib": (11, 99),
    "_sha256": (0, 11),
    "_sha512": (0, 11),
    "asynchat": (0, 11),
    "asyncore": (0, 11),
    "distutils": (0, 11),
    "imp": (0, 11),
    "smtpd": (0, 11),
    "_pydatetime": (12, 99),
    "_pylong": (12, 99),
    "_sha2": (12, 99),
    "_wmi": (12, 99),
    "_xxinterpchannels": (12, 12),
    **dict.fromkeys(
        ("_crypt", "_msi", "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "lib2to3",
         "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau",
         "telnetlib", "uu", "xdrlib"),
        (0, 12),
    ),
    **dict.fromkeys(
        ("_android_support", "_apple_support", "_colorize", "_interpchannels", "_interpqueues",
         "_interpreters", "_ios_support", "_opcode_metadata", "_pyrepl", "_suggestions",
         "_sysconfig"),
        (13, 99),
    ),
    "_compression": (0, 13),
    **dict.fromkeys(
        ("_hmac", "_remote_debugging", "_types", "_zstd", "annotationlib", "compression"), (14, 99)
    ),
}


# What ruff 0.17 assumes when neither `target-version` nor `requires-python` says.
RUFF_DEFAULT_TARGET = (3, 11)


def is_standard_library(module_base: str, target_version: tuple[int, int] | None = None) -> bool:
    """Whether a top-level module is in the standard library of `target_version` (None: ruff's
    default), as ruff's `is_known_standard_library` decides."""
    minor = (target_version or RUFF_DEFAULT_TARGET)[1]
    span = _STDLIB_VERSIONS.get(module_base)
    if span is None:
        return module_base in sys.stdlib_module_names
    return span[0] <= minor <= span[1]


def _known_section(module: str, style: ImportStyle) -> Section | None:
    known = (
        (style.known_first_party, Section.FIRST_PARTY),
        (style.known_third_party, Section.THIRD_PARTY),
        (style.known_local_folder, Section.LOCAL_FOLDER),
        (style.extra_standard_library, Section.STANDARD_LIBRARY),
    )
    has_submodules = any("." in p for patterns, _ in known for p in patterns)
    parts = module.split(".")
    # With dotted patterns ruff tries the longest prefix first (`foo.bar.baz`, `foo.bar`, `foo`).
    candidates = [".".join(parts[:i]) for i in range(len(parts), 0, -1)] if has_submodules else parts[:1]
    for candidate in candidates:
        for patterns, section in known:
            if any(fnmatch.fnmatchcase(candidate, p) for p in patterns):
                return section
    return None


def section_of(module: str, level: int = 0, style: ImportStyle = DEFAULT_STYLE,
               first_party_roots: Container[str] = frozenset()) -> Section:
    """The isort section of an imported module: future, standard library, third party, first
    party, or local folder (relative imports).

    `first_party_roots` is asked with the full dotted module name: ruff 0.17 counts `a.b.c` as
    first party when `SRC/a/b/c` is a folder or `SRC/a/b/c.py[i]` a file under one of its `src`
    roots, or when `a` is the package of the file being checked.
    `ssot_ls.import_style.first_party_roots(path)` answers that from the disk; a plain set of
    module names does for tests and for callers that know their modules.
    """
    base = module.split(".")[0]
    section = style.default_section
    if level == 0 and base == "__future__":
        section = Section.FUTURE
    elif style.no_sections:
        section = Section.FIRST_PARTY
    elif level > 0:
        section = Section.LOCAL_FOLDER
    elif (known := _known_section(module, style)) is not None:
        section = known
    elif is_standard_library(base, style.target_version):
        section = Section.STANDARD_LIBRARY
    elif module in first_party_roots or module == "__main__":
        section = Section.FIRST_PARTY
    return section if section in style.section_order else style.default_section


# --- Keys -----------------------------------------------------------------------------------

_NAT_TOKEN = re.compile(r"[0-9]+|[^0-9]")


@lru_cache(maxsize=8192)
def _nat(text: str) -> tuple[tuple[int, int, str], ...]:
    """A key that orders strings as the `natord` crate does (`x9` < `x10`, `x01` < `x1`)."""
    key = []
    for token in _NAT_TOKEN.findall(text):
        if token[0] not in "0123456789":
            key.append((ord(token), 0, ""))
        elif token[0] == "0":
            key.append((48, 0, token))  # left-aligned: digit by digit
        else:
            key.append((49, len(token), token))  # right-aligned: longer is larger
    return tuple(key)


def _opt(value: object) -> tuple[object, ...]:
    # Rust's `Option` ordering: `None` sorts before any `Some`.
    return () if value is None else (value,)


def _member_type(name: str, style: ImportStyle) -> int:
    if name in style.constants:
        return 0
    if name in style.classes:
        return 1
    if name in style.variables:
        return 2
    # ruff compares the UTF-8 byte length, so a lone `É` counts as a constant.
    if len(name.encode()) > 1 and name.isupper():
        return 0
    return 1 if name[:1].isupper() else 2


def member_key(name: str, style: ImportStyle = DEFAULT_STYLE, asname: str | None = None) -> tuple:
    """ruff's sort key for a member of a `from` import: `*` first, then (with order-by-type)
    CONSTANTS, Classes, variables, each in case-folded natural order."""
    return (
        name != "*",
        _member_type(name, style) if style.order_by_type else 0,
        text_width(name) if style.length_sort else 0,
        () if style.case_sensitive else _nat(name.lower()),
        _nat(name),
        _opt(None if asname is None else _nat(asname)),
    )


def _module_key(name: str | None, asname: str | None, level: int, first: Member | None,
                straight: bool, style: ImportStyle) -> tuple:
    by_length = style.length_sort or (style.length_sort_straight and straight)
    distance = level if style.relative_imports_order == "closest-to-furthest" else -level
    return (
        name is None or name not in style.force_to_top,
        text_width(name or "") + level if by_length else 0,
        distance,
        () if name is None or style.case_sensitive else (_nat(name.lower()),),
        _opt(None if name is None else _nat(name)),
        _opt(None if first is None else member_key(first[0], style, first[1])),
        _opt(None if asname is None else _nat(asname)),
    )


def _section_rank(section: Section, style: ImportStyle) -> int:
    return style.section_order.index(section) if section in style.section_order else len(style.section_order)


def _kind_rank(is_from: bool, section: Section, style: ImportStyle) -> int:
    if section is Section.FUTURE:
        return 0 if is_from else 1  # ruff always puts `from __future__` before `import __future__`
    if style.force_sort_within_sections:
        return 0
    return int(is_from != style.from_first)


def _sorted_members(names: Iterable[Member], style: ImportStyle) -> list[Member]:
    return sorted(names, key=lambda m: member_key(m[0], style, m[1]))


def statement_key(statement: ImportStatement, style: ImportStyle = DEFAULT_STYLE,
                  first_party_roots: Container[str] = frozenset()) -> tuple:
    """The key ruff sorts a block's statements by: section position, then `import` before
    `from` (unless force-sort-within-sections or from-first), then the module key. A `from`
    statement is keyed by its smallest member, as ruff keys its sorted member list."""
    section = section_of(statement.module, statement.level, style, first_party_roots)
    if statement.is_from:
        members = _sorted_members(statement.names, style)
        module_key = _module_key(statement.module or None, None, statement.level,
                                 members[0] if members else None, False, style)
    else:
        name, asname = statement.names[0]
        module_key = _module_key(name, asname, 0, None, True, style)
    return (_section_rank(section, style), _kind_rank(statement.is_from, section, style), module_key)


# --- Normalizing a block ----------------------------------------------------------------------


def _is_isolated(statement: ImportStatement, style: ImportStyle) -> bool:
    return (style.force_single_line and statement.module not in style.single_line_exclusions
            and not (statement.names and statement.names[0][0] == "*"))


def _from_bucket(statement: ImportStatement, member: Member, isolate: bool,
                 style: ImportStyle) -> tuple:
    where = (statement.module, statement.level)
    if member[0] == "*":
        return ("star", *where)
    if not isolate and (member[1] is None or style.combine_as_imports):
        return ("from", *where)
    return ("as", *where, member)


def normalize_block(statements: Iterable[ImportStatement],
                    style: ImportStyle = DEFAULT_STYLE) -> list[ImportStatement]:
    """The statements ruff would write for these, unordered: duplicates dropped, `import a, b`
    split, `from` imports of one module merged, `as` members on their own statement unless
    combine-as-imports, one member per statement with force-single-line."""
    plain: dict[Member, None] = {}
    buckets: dict[tuple, tuple[dict[Member, None], list[bool]]] = {}
    for statement in statements:
        if not statement.is_from:
            plain.update(dict.fromkeys(statement.names))
            continue
        isolate = _is_isolated(statement, style)
        for member in statement.names:
            bucket = _from_bucket(statement, member, isolate, style)
            members, comma = buckets.setdefault(bucket, ({}, [False]))
            members[member] = None
            if not isolate and statement.trailing_comma:
                comma[0] = True
    result = [ImportStatement.make_import(name, asname) for name, asname in plain]
    for bucket, (members, comma) in buckets.items():
        result.append(ImportStatement(module=bucket[1], level=bucket[2], is_from=True,
                                      names=tuple(_sorted_members(members, style)), trailing_comma=comma[0]))
    return result


def _ordered(statements: Iterable[ImportStatement], style: ImportStyle,
             first_party_roots: Container[str]) -> list[tuple[tuple, ImportStatement]]:
    keyed = [(statement_key(s, style, first_party_roots), s) for s in normalize_block(statements, style)]
    keyed.sort(key=lambda pair: pair[0])
    return keyed


def blank_lines_before(statements: Sequence[ImportStatement], style: ImportStyle = DEFAULT_STYLE,
                       first_party_roots: Container[str] = frozenset()) -> list[int]:
    """How many blank lines ruff puts before each statement of a block in this order: one
    between sections (unless no-lines-before), lines-between-types between `import` and
    `from` runs, none elsewhere (the first statement gets 0)."""
    result = []
    previous: tuple | None = None
    for statement in statements:
        key = statement_key(statement, style, first_party_roots)
        result.append(0 if previous is None else _separator(previous, key, style))
        previous = key
    return result


def _separator(previous: tuple, key: tuple, style: ImportStyle) -> int:
    if key[0] != previous[0]:
        # ruff adds the blank line unless every section from the previous (exclusive) to this
        # one (inclusive) is in no-lines-before.
        between = style.section_order[previous[0] + 1: key[0] + 1]
        return 1 if any(s not in style.no_lines_before for s in between) else 0
    if key[1] > previous[1] and style.lines_between_types > 0 and not style.force_sort_within_sections:
        # In the future section `from` comes first; ruff separates it only with from-first.
        future = key[0] < len(style.section_order) and style.section_order[key[0]] is Section.FUTURE
        if style.from_first or not future:
            return style.lines_between_types
    return 0


# --- Formatting -----------------------------------------------------------------------------


def blank_lines_after_block(next_statement: ast.stmt | None, style: ImportStyle = DEFAULT_STYLE,
                            is_stub: bool = False) -> int:
    """How many blank lines ruff wants between an import block and the statement after it:
    lines-after-imports when set, else 2 before a `def`/`class` and 1 before anything else (at
    most 1 in a stub); 0 when nothing follows in the same body (ruff leaves that alone). A
    comment block set apart by a blank line before the `def` makes it count as "anything else"
    in ruff; that case is not modelled here."""
    if next_statement is None:
        return 0
    definition = isinstance(next_statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    wanted = style.lines_after_imports
    if is_stub:
        return 0 if wanted == 0 else 1
    if wanted >= 0:
        return wanted
    return 2 if definition else 1


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str, tab_size: int = 4) -> int:
    """The width of a line as ruff measures it: tabs to the next tab stop, wide characters 2."""
    width = column = 0
    for char in text:
        if char == "\t":
            step = tab_size - column % tab_size
            width += step
            column += step
        elif char.isascii() and char >= " ":
            width += 1
            column += 1
        else:
            width += _char_width(char)
            column += 1
    return width


def _alias(member: Member) -> str:
    return member[0] if member[1] is None else f"{member[0]} as {member[1]}"


def _format_entry(statement: ImportStatement, style: ImportStyle, indent: str, indent_unit: str,
                  newline: str) -> str:
    """One normalized statement, as ruff writes it (first line without `indent`)."""
    if not statement.is_from:
        return f"import {_alias(statement.names[0])}"
    head = f"from {statement.module_path} import "
    members = statement.names
    star = any(name == "*" for name, _ in members)
    single = head + ", ".join(_alias(m) for m in members)
    magic = statement.trailing_comma and style.split_on_trailing_comma
    may_inline = not magic and (not style.force_wrap_aliases or len(members) == 1
                                or all(asname is None for _, asname in members))
    if star or (may_inline and text_width(indent + single, style.indent_width) <= style.line_length):
        return single
    body = "".join(f"{newline}{indent}{indent_unit}{_alias(m)}," for m in members)
    return f"{head}({body}{newline}{indent})"


def format_import(module: str, asname: str | None = None, indent: str = "",
                  style: ImportStyle = DEFAULT_STYLE, newline: str = "\n") -> str:
    """`import module [as asname]` as ruff writes it: always one line (ruff never wraps it)."""
    return _format_entry(ImportStatement.make_import(module, asname), style, indent, "", newline)


def format_from_import(module: str, members: Iterable[Member | str], indent: str = "",
                       style: ImportStyle = DEFAULT_STYLE, newline: str = "\n",
                       magic_trailing_comma: bool = False, indent_unit: str = "    ") -> str:
    """`from module import members` exactly as ruff's isort writes it.

    `module` is written as after `from` (leading dots for relative imports). Members are
    de-duplicated and sorted; `as` members go on statements of their own unless
    combine-as-imports (force-single-line: every member). A statement stays on one line when it
    fits in line-length measured from `indent` (the block's indentation) and has no magic
    trailing comma; else it is wrapped in parentheses, one member per line indented by
    `indent + indent_unit`, with a trailing comma. The text starts at the statement (no
    `indent` before it); every further line, including further statements, starts with
    `indent`. No final newline.
    """
    statement = replace(ImportStatement.make_from(module, members), trailing_comma=magic_trailing_comma)
    entries = sorted(normalize_block([statement], style), key=lambda s: statement_key(s, style))
    return (newline + indent).join(_format_entry(e, style, indent, indent_unit, newline) for e in entries)


def format_block(statements: Iterable[ImportStatement], style: ImportStyle = DEFAULT_STYLE,
                 first_party_roots: Container[str] = frozenset(), indent: str = "",
                 newline: str = "\n", indent_unit: str = "    ") -> str:
    """The whole block as ruff's fix writes it when it has no comments: normalized, sorted,
    sections apart. Same conventions as `format_from_import` (blank lines carry no indent)."""
    out: list[str] = []
    previous: tuple | None = None
    for key, entry in _ordered(statements, style, first_party_roots):
        if previous is not None:
            out.extend([""] * _separator(previous, key, style))
        out.append(_format_entry(entry, style, indent, indent_unit, newline))
        previous = key
    text = newline.join(f"{indent}{line}" if line else "" for line in out)
    return text[len(indent):] if out else ""


def detect_indent_unit(source: str, default: str = "    ") -> str:
    """The file's indentation unit (ruff's stylist): the indentation of its first indented
    line after a line ending in `:`; `default` when there is none."""
    previous = ""
    for line in source.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indentation = line[: len(line) - len(line.lstrip())]
        if indentation and previous.endswith(":"):
            return indentation
        previous = stripped
    return default


# --- Positions ------------------------------------------------------------------------------


def _order_is_sorted(statements: Sequence[ImportStatement], style: ImportStyle,
                     first_party_roots: Container[str]) -> bool:
    keys = [statement_key(s, style, first_party_roots) for s in statements]
    return all(a < b for a, b in pairwise(keys))


def insertion_index(existing: Sequence[ImportStatement], new: ImportStatement,
                    style: ImportStyle = DEFAULT_STYLE, first_party_roots: Container[str] = frozenset(),
                    anchor: int | None = None) -> int:
    """Where `new` goes among a block's statements (an index into `existing`).

    When the block's statement order is ruff's, the sorted position (after equal keys). When it
    is not, a stable guess: right after `anchor` (the index of a statement the fixer relates
    `new` to, such as the one it splits) if given, else after the last statement of `new`'s
    section, else between the sections around it. Check `merge_target` first: ruff would merge
    a `from` import into an existing one of the same module.
    """
    key = statement_key(new, style, first_party_roots)
    if _order_is_sorted(existing, style, first_party_roots):
        return bisect_right([statement_key(s, style, first_party_roots) for s in existing], key)
    if anchor is not None:
        return anchor + 1
    ranks = [statement_key(s, style, first_party_roots)[0] for s in existing]
    same = [i for i, rank in enumerate(ranks) if rank == key[0]]
    if same:
        return same[-1] + 1
    earlier = [i for i, rank in enumerate(ranks) if rank < key[0]]
    return earlier[-1] + 1 if earlier else 0


def merge_target(existing: Sequence[ImportStatement], new: ImportStatement,
                 style: ImportStyle = DEFAULT_STYLE) -> int | None:
    """The index of the statement ruff would merge `new` into (a `from` import of the same
    module whose members combine with `new`'s), or None."""
    if not new.is_from or _is_isolated(new, style):
        return None
    buckets = {_from_bucket(new, m, False, style) for m in new.names}
    if len(buckets) != 1 or next(iter(buckets))[0] != "from":
        return None
    for index, statement in enumerate(existing):
        if (statement.is_from and not _is_isolated(statement, style)
                and {_from_bucket(statement, m, False, style) for m in statement.names} == buckets):
            return index
    return None


def member_insertion_index(existing_names: Sequence[Member | str], new_name: str,
                           style: ImportStyle = DEFAULT_STYLE, new_asname: str | None = None) -> int:
    """Where a member goes in a `from` list: its sorted position when the list is sorted by
    ruff's member key, else the end."""
    members = [(n, None) if isinstance(n, str) else n for n in existing_names]
    keys = [member_key(n, style, a) for n, a in members]
    if all(a < b for a, b in pairwise(keys)):
        return bisect_right(keys, member_key(new_name, style, new_asname))
    return len(members)


@dataclass(frozen=True)
class LineEdit:
    """Replace the 0-based lines `[start, end)` of the file with `text` (whole lines, each
    ending with the newline)."""

    start: int
    end: int
    text: str


def _written(statement: ImportStatement, style: ImportStyle, indent: str, indent_unit: str,
             newline: str) -> str:
    entries = normalize_block([statement], style)
    if len(entries) != 1:
        raise ValueError("a new statement must be one statement as ruff writes it (see normalize_block)")
    return indent + _format_entry(entries[0], style, indent, indent_unit, newline) + newline


def insertion_edit(existing: Sequence[ImportStatement], new: ImportStatement, lines: Sequence[str],
                   style: ImportStyle = DEFAULT_STYLE, first_party_roots: Container[str] = frozenset(),
                   anchor: int | None = None, indent_unit: str = "    ", newline: str = "\n") -> LineEdit:
    """The edit that adds `new` to a block (statements with line numbers; `lines` the file's
    lines without their endings) where `insertion_index` puts it, with ruff's blank lines
    around it when the block is in ruff's order: a section apart, and the blank line ruff
    keeps above a comment that no longer opens its section. Comments above the next statement
    stay with it. In a block ruff would reorder anyway, the statement goes right after its
    predecessor (or before the first statement) with no blank line."""
    index = insertion_index(existing, new, style, first_party_roots, anchor)
    indent = _leading(lines, existing[0].lineno)
    text = _written(new, style, indent, indent_unit, newline)
    if not _order_is_sorted(existing, style, first_party_roots):
        at = existing[index - 1].end_lineno if index else existing[0].lineno - 1
        return LineEdit(at, at, text)
    key = statement_key(new, style, first_party_roots)
    keys = [statement_key(s, style, first_party_roots) for s in existing]
    before = newline * _separator(keys[index - 1], key, style) if index else ""
    if index == len(existing):
        at = existing[-1].end_lineno
        return LineEdit(at, at, before + text)
    following = existing[index]
    start = existing[index - 1].end_lineno if index else following.lineno - 1
    comments = [line.strip() for line in lines[start: following.lineno - 1] if line.strip()] if index else []
    after = [""] * _separator(key, keys[index], style)
    if comments and keys[index][0] == key[0]:
        after.append("")  # ruff's blank line above a comment inside a section
    gap = "".join(f"{line and indent + line}{newline}" for line in [*after, *comments])
    return LineEdit(start, following.lineno - 1, before + text + gap)


def merge_edit(existing: Sequence[ImportStatement], index: int, new_members: Iterable[Member | str],
               lines: Sequence[str], style: ImportStyle = DEFAULT_STYLE, indent_unit: str = "    ",
               newline: str = "\n") -> LineEdit | None:
    """The edit that adds members to the `from` import `existing[index]` (see `merge_target`),
    rewritten as ruff writes it, its magic trailing comma kept. A new first member can move the
    statement past its neighbours of the same module (`from m import *`, `from m import x as y`):
    then the run of those statements is rewritten in ruff's order. None when that cannot be done
    without losing or moving comments: comments inside the statement (a comment ending a
    one-line statement is kept), or comments among neighbours it must move past."""
    statement = existing[index]
    comment = _trailing_comment(statement, lines) if statement.has_comments else None
    if statement.has_comments and comment is None:
        return None
    indent = _leading(lines, statement.lineno)
    added = [(n, None) if isinstance(n, str) else n for n in new_members]
    merged = replace(statement, names=(*statement.names, *added), text="", has_comments=False)
    entries = sorted(normalize_block([merged], style), key=lambda e: statement_key(e, style))
    first, last = _same_module_run(existing, index)
    run = [*existing[first:index], *entries, *existing[index + 1: last + 1]]
    in_order = run == sorted(run, key=lambda e: statement_key(e, style))
    gaps = lines[existing[first].lineno - 1: existing[last].end_lineno]
    if not in_order and (any(s.has_comments for s in existing[first: last + 1]) or "#" in "".join(gaps)):
        return None
    if in_order:
        written = [_format_entry(e, style, indent, indent_unit, newline) for e in entries]
        if comment is not None:
            commented = _format_commented(entries[0], comment, style, indent, indent_unit)
            written[0] = commented.replace("\n", newline)
        text = "".join(f"{indent}{w}{newline}" for w in written)
        return LineEdit(statement.lineno - 1, statement.end_lineno, text)
    ordered = sorted(run, key=lambda e: statement_key(e, style))
    written = [_format_entry(e, style, indent, indent_unit, newline) for e in ordered]
    text = "".join(f"{indent}{w}{newline}" for w in written)
    return LineEdit(existing[first].lineno - 1, existing[last].end_lineno, text)


def _same_module_run(existing: Sequence[ImportStatement], index: int) -> tuple[int, int]:
    """The contiguous statements around `index` that are `from` imports of its module."""
    where = (existing[index].module, existing[index].level)

    def same(i: int) -> bool:
        return existing[i].is_from and (existing[i].module, existing[i].level) == where

    first = last = index
    while first > 0 and same(first - 1):
        first -= 1
    while last + 1 < len(existing) and same(last + 1):
        last += 1
    return first, last


# --- Is a block what ruff writes? ------------------------------------------------------------


def _same_ignoring_indentation(actual: str, expected: str) -> bool:
    # ruff's `matches_ignoring_indentation`: lines compared with leading whitespace stripped.
    left, right = actual.splitlines(), expected.splitlines()
    return len(left) == len(right) and all(a.lstrip() == b.lstrip() for a, b in zip(left, right, strict=True))


def _layout_lines(statements: Sequence[ImportStatement], lines: Sequence[str]) -> list[str] | None:
    """The gap lines between statements, when every statement knows its lines."""
    if any(s.lineno <= 0 or s.end_lineno < s.lineno for s in statements):
        return None
    return [line.rstrip("\r\n") for line in lines[statements[0].lineno - 1: statements[-1].end_lineno]]


def block_is_sorted(statements: Sequence[ImportStatement], style: ImportStyle = DEFAULT_STYLE,
                    first_party_roots: Container[str] = frozenset(),
                    lines: Sequence[str] | None = None, indent_unit: str = "    ") -> bool:
    """Whether ruff's I001 accepts this block (what follows the block is not judged).

    Exact for comment-free blocks given the file's `lines` (`source.splitlines()`) and
    statements with line numbers: the block's text is compared with ruff's rewrite, ignoring
    leading whitespace per line as ruff does. Otherwise structural: statements already normalized
    and in ruff's order, members sorted, each comment-free statement's text as ruff writes it,
    and (with line numbers) blank lines between statements as ruff puts them; comment lines
    above a statement must follow one blank line unless it opens its section.
    """
    if not statements:
        return True
    indent = _leading(lines, statements[0].lineno)
    gap_lines = _layout_lines(statements, lines) if lines is not None else None
    own = {n for s in statements for n in range(s.lineno, s.end_lineno + 1)}
    if gap_lines is not None and not any(s.has_comments for s in statements):
        first = statements[0].lineno
        if not any(line.strip() for n, line in enumerate(gap_lines, first) if n not in own):
            expected = format_block(statements, style, first_party_roots, indent, "\n", indent_unit)
            return _same_ignoring_indentation("\n".join(gap_lines), expected)
    return _structure_is_sorted(statements, style, first_party_roots, lines, indent, indent_unit)


def _leading(lines: Sequence[str] | None, lineno: int) -> str:
    if lines is None or lineno <= 0 or lineno > len(lines):
        return ""
    line = lines[lineno - 1]
    return line[: len(line) - len(line.lstrip())]


def _structure_is_sorted(statements: Sequence[ImportStatement], style: ImportStyle,
                         first_party_roots: Container[str], lines: Sequence[str] | None, indent: str,
                         indent_unit: str) -> bool:
    expected = _ordered(statements, style, first_party_roots)
    if len(expected) != len(statements):
        return False
    for (_, entry), statement in zip(expected, statements, strict=True):
        if (entry.is_from, entry.module, entry.level, entry.names) != (
                statement.is_from, statement.module, statement.level, statement.names):
            return False
        if not _text_matches(statement, entry, style, lines, indent, indent_unit):
            return False
    return _gaps_match(statements, [key for key, _ in expected], style, lines)


def _text_matches(statement: ImportStatement, entry: ImportStatement, style: ImportStyle,
                  lines: Sequence[str] | None, indent: str, indent_unit: str) -> bool:
    if not statement.text:
        return True
    if not statement.has_comments:
        expected = _format_entry(entry, style, indent, indent_unit, "\n")
        return _same_ignoring_indentation(statement.text, expected)
    comment = _trailing_comment(statement, lines)
    if comment is None:
        return True  # comments inside a wrapped statement: not judged
    expected = _format_commented(entry, comment, style, indent, indent_unit)
    return _same_ignoring_indentation(lines[statement.lineno - 1], expected)  # type: ignore[index]


def _trailing_comment(statement: ImportStatement, lines: Sequence[str] | None) -> str | None:
    """The comment ending a one-line statement's line, when that is its only comment."""
    if lines is None or statement.lineno <= 0 or statement.end_lineno != statement.lineno:
        return None
    line = lines[statement.lineno - 1].rstrip("\r\n")
    code, _, comment = line.partition("#")
    if code.strip() != statement.text.strip():
        return None
    return "#" + comment.rstrip()


def _format_commented(entry: ImportStatement, comment: str, style: ImportStyle, indent: str,
                      indent_unit: str) -> str:
    """A statement with one end-of-line comment, as ruff writes it: two spaces before the comment,
    which counts toward the line length; once wrapped, it follows `(` (several members) or the
    lone member."""
    if not entry.is_from:
        return f"import {_alias(entry.names[0])}  {comment}"
    head = f"from {entry.module_path} import "
    single = head + ", ".join(_alias(m) for m in entry.names) + "  " + comment
    star = any(name == "*" for name, _ in entry.names)
    magic = entry.trailing_comma and style.split_on_trailing_comma
    may_inline = not magic and (not style.force_wrap_aliases or len(entry.names) == 1
                                or all(asname is None for _, asname in entry.names))
    if star or (may_inline and text_width(indent + single, style.indent_width) <= style.line_length):
        return single
    members = [f"{indent}{indent_unit}{_alias(m)}," for m in entry.names]
    opener = head + "("
    if len(entry.names) == 1:
        members[0] += "  " + comment
    else:
        opener += "  " + comment
    return "\n".join([opener, *members, indent + ")"])


def _gaps_match(statements: Sequence[ImportStatement], keys: Sequence[tuple], style: ImportStyle,
                lines: Sequence[str] | None) -> bool:
    for i in range(1, len(statements)):
        before, after = statements[i - 1], statements[i]
        if before.end_lineno <= 0 or after.lineno <= 0:
            continue
        blank = _separator(keys[i - 1], keys[i], style)
        if lines is None:
            if after.lineno - before.end_lineno - 1 != blank:
                return False
            continue
        gap = [lines[n - 1].strip() for n in range(before.end_lineno + 1, after.lineno)]
        comments = [g for g in gap if g]
        opens_section = keys[i][0] != keys[i - 1][0]
        wanted = [""] * blank + ([""] if comments and not opens_section else []) + comments
        if gap != wanted:
            return False
    return True


# --- From the AST ---------------------------------------------------------------------------

_COMMENT = re.compile(r"#[^\r\n]*")
_MAGIC_COMMA = re.compile(r",[\s\\]*\)\s*\Z")


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@lru_cache(maxsize=8)
def _lines_of(source: str) -> tuple[str, ...]:
    """Lines with their breaks, split where Python's tokenizer splits (not at form feeds)."""
    return tuple(_LINE.findall(source))


def _segment(lines: tuple[str, ...], node: ast.AST) -> str:
    """A node's source (`ast.get_source_segment` splits the whole source on every call)."""
    first, last = node.lineno, node.end_lineno or node.lineno
    head = lines[first - 1].encode()
    if first == last:
        return head[node.col_offset:node.end_col_offset].decode()
    tail = lines[last - 1].encode()[:node.end_col_offset].decode()
    return head[node.col_offset:].decode() + "".join(lines[first:last - 1]) + tail


def statement_from_node(node: ast.Import | ast.ImportFrom, source: str) -> ImportStatement:
    """The engine's view of a parsed import statement; `source` is the module's text the node
    was parsed from (its comments and magic trailing comma are read from it)."""
    lines = _lines_of(source)
    first, last = node.lineno, node.end_lineno or node.lineno
    text = _segment(lines, node)
    # Import statements hold no strings, so any `#` on their lines starts a comment.
    span = "".join(lines[first - 1: last])
    names = tuple((alias.name, alias.asname) for alias in node.names)
    if isinstance(node, ast.Import):
        return ImportStatement(module=names[0][0], names=names, text=text, has_comments="#" in span,
                               lineno=first, end_lineno=last)
    code = _COMMENT.sub("", text)
    return ImportStatement(module=node.module or "", names=names, level=node.level, is_from=True, text=text,
                           has_comments="#" in span, trailing_comma=bool(_MAGIC_COMMA.search(code)),
                           lineno=first, end_lineno=last)


def statements_from_source(source: str) -> list[ImportStatement]:
    """Every module-level import statement of `source`, in order."""
    tree = ast.parse(source)
    return [statement_from_node(node, source) for node in tree.body
            if isinstance(node, ast.Import | ast.ImportFrom)]

