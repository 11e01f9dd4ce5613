"""Python code fences in Markdown, and the map between a fence's code and the document.

markdown-it-py decides what is a fence (``` and ~~~ of any length, inside lists and block
quotes, unclosed fences, tabs); this module only turns its result into offsets.

Why the mapping is line-based: a fence line in the document is "container prefix" (list
indentation, ``> `` quote markers, the fence's own indentation) + optional pycon prompt
(``>>> `` / ``... ``) + one line of Python. Inside one line the Python text is a verbatim
slice of the document, so code offsets map to document offsets by a constant shift per
line, and a rewrite of the code is a set of replaced/inserted/deleted *lines* whose prefix
and prompt are re-created around the new Python text. Working per line keeps every offset
exact (emoji, CRLF) and never lets an edit cut through a container prefix or a prompt.
Every edit set is checked by parsing the result again; what does not round-trip is refused.

Suppression: an HTML comment ``<!-- ssot: ignore -->`` (whole fence) or
``<!-- ssot: ignore[SSOT001,SSOT002] -->`` (those codes) in the Markdown block right before
the fence, in the same container (same list item / quote). Blank lines between the comment
and the fence are allowed, because Markdown formatters put one between blocks; any other
block in between (a paragraph, a heading) breaks the link. Several comments in a row add up.

Limits: in ``pycon`` fences prompts must start the line (no doctest-style indentation before
``>>>``); a ``...`` line counts as code only right after a prompt line, as in doctest. Where a
tab is only partly used up by a container, the code line starts with "virtual" spaces that
have no character of their own in the document; offsets inside them map to the tab.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ssot_ls.text import apply_edits, line_hunks
from ssot_ls.types import Edit

__all__ = ["PYTHON_INFO", "Fence", "python_fences"]

PYTHON_INFO = {"python", "py", "python3", "py3", "pycon"}

# Block structure only: inline parsing (emphasis, links...) is half the cost and tells us nothing.
_PARSER = MarkdownIt("commonmark").disable(["inline", "text_join"])

# The line breaks markdown-it knows (it normalizes \r\n and \r to \n before splitting).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Prefilter only (the parser decides): every Python info word starts with "py".
_MAY_HAVE_PYTHON_FENCE = re.compile(r"(?:```|~~~)\s*py", re.IGNORECASE)

_DIRECTIVE = re.compile(r"<!--\s*ssot:\s*ignore(?:\[(?P<codes>[^\]\n]*)\])?\s*-->")

# Characters of a container prefix that are list markers; blanked to get a continuation prefix.
_LIST_MARKER_CHARS = re.compile(r"[^>\s]")
_QUOTE_WITHOUT_SPACE = re.compile(r">(?=[^>\s])")

_PS1, _PS2 = ">>> ", "... "
_DEDENT_KEYWORDS = re.compile(r"(?:else|elif|except|finally)\b")


@dataclass(frozen=True, slots=True)
class _CodeLine:
    """Where one line of a fence's code sits in the document."""

    code_offset: int  # offset of the line's first character in ``Fence.code``
    doc_line: int  # 0-based document line
    line_start: int  # document offset of the line's first character (container prefix)
    prefix_end: int  # document offset where the fence content starts (after the container)
    code_start: int  # document offset of the Python text (after the prompt, if any)
    content_end: int  # document offset of the line end (before the line break)
    next_start: int  # document offset just past the line break
    virtual: int  # leading code spaces that stand for part of a tab (no document character)


@dataclass(frozen=True, slots=True)
class _Directive:
    """One ``<!-- ssot: ignore[...] -->`` comment before a fence."""

    start: int  # document offset of "<!--"
    codes: tuple[str, ...] | None  # None: bare "ignore"
    codes_start: int  # document offsets of the text between the brackets
    codes_end: int


@dataclass(frozen=True)
class Fence:
    """One Python code fence of a Markdown document."""

    code: str
    info: str
    pycon: bool
    ignored_codes: frozenset[str] | None
    start: int  # document offset of the opening fence line
    end: int  # document offset just past the fence (after the closing line's break, if any)
    _text: str = field(repr=False, compare=False)
    _lines: tuple[_CodeLine, ...] = field(repr=False, compare=False)
    _content_start: int = field(repr=False, compare=False)
    _content_end: int = field(repr=False, compare=False)
    _prefix: str = field(repr=False, compare=False)
    _marker_offset: int = field(repr=False, compare=False)
    _newline: str = field(repr=False, compare=False)
    _output_lines: frozenset[int] = field(repr=False, compare=False)
    _directives: tuple[_Directive, ...] = field(repr=False, compare=False)
    _block_span: tuple[int, int] = field(repr=False, compare=False)
    _ordinal_in_block: int = field(repr=False, compare=False)

    def to_document(self, offset: int) -> int:
        """Document offset of ``offset`` in ``code`` (start and end offsets alike)."""
        lines = self._lines
        if not lines:
            return self._content_start
        offset = max(0, min(offset, len(self.code)))
        line = lines[bisect.bisect_right(self._code_offsets, offset) - 1]
        column = offset - line.code_offset
        if column > line.virtual + line.content_end - line.code_start:
            return line.next_start  # the very end of the code, past its last "\n"
        if column < line.virtual:
            return line.prefix_end - 1  # the tab the virtual spaces come from
        return line.code_start + column - line.virtual

    @functools.cached_property
    def _code_offsets(self) -> list[int]:
        return [line.code_offset for line in self._lines]

    def document_edits(self, new_code: str) -> list[Edit] | None:
        """Edits of the Markdown text that make this fence's code ``new_code``.

        Whole lines are replaced, each with its container prefix (and pycon prompt) put back.
        None when the change cannot be mapped safely (a pycon change across an output line,
        new code that would close the fence, ...).
        """
        old_lines = self.code.split("\n")[:-1]
        new_lines = _split_lines(new_code)
        if new_lines == old_lines:
            return []
        hunks = line_hunks(old_lines, new_lines)
        prompts = None
        if self.pycon:
            prompts = _pycon_prompts(new_lines)
            hunks = _with_reprompted_lines(hunks, self._prompts(), prompts)
        edits: list[Edit] = []
        for old_start, old_end, new_start, new_end in hunks:
            replacement = new_lines[new_start:new_end]
            hunk_prompts = prompts[new_start:new_end] if prompts is not None else None
            if old_end > old_start:
                edit = self._replace_lines(old_start, old_end, replacement, hunk_prompts)
            else:
                edit = self._insert_lines(old_start, replacement, hunk_prompts)
            if edit is None:
                return None
            edits.append(edit)
        if not self._round_trips(edits, new_lines):
            return None
        return edits

    def _prompts(self) -> list[str]:
        """The pycon prompt in front of each code line now, as ">>> " or "... "."""
        return [(self._text[line.prefix_end:line.code_start] + " ")[:4] for line in self._lines]

    def ignore_comment_edit(self, code: str) -> Edit:
        """Edit that suppresses ``code`` in this fence with a comment before it.

        Extends the last ``ignore[...]`` comment if there is one; an empty edit when the code
        is already suppressed.
        """
        for directive in self._directives:
            if directive.codes is None or code in directive.codes:
                return Edit(directive.start, directive.start, "")
        with_codes = [d for d in self._directives if d.codes is not None]
        if with_codes:
            last = with_codes[-1]
            existing = self._text[last.codes_start:last.codes_end].rstrip()
            if existing.strip():
                return Edit(last.codes_start + len(existing), last.codes_start + len(existing),
                            f",{code}")
            return Edit(last.codes_start, last.codes_end, code)
        comment = f"<!-- ssot: ignore[{code}] -->{self._newline}{self._prefix}"
        return Edit(self._marker_offset, self._marker_offset, comment)

    # -- edits -------------------------------------------------------------------------

    def _replace_lines(
        self, old_start: int, old_end: int, new_lines: list[str], prompts: list[str] | None
    ) -> Edit | None:
        replaced = self._lines[old_start:old_end]
        first, last = replaced[0], replaced[-1]
        if not self._output_lines.isdisjoint(range(first.doc_line, last.doc_line)):
            return None  # pycon: an output line sits between the lines to change (blank lines go)
        if not new_lines and last.doc_line + 1 in self._output_lines:
            return None  # pycon: the output would become the previous statement's output
        start = first.line_start
        keep_first_prefix = (
            bool(new_lines and new_lines[0])
            and first.virtual == 0
            and self._text[first.line_start:first.prefix_end] == self._prefix
        )
        if keep_first_prefix:
            start = first.prefix_end  # a smaller edit: the prefix in place is the right one
        final_break = self._text[last.content_end:last.next_start]
        content = self._render(new_lines, prompts, keep_first_prefix, final_break)
        return Edit(start, last.next_start, content)

    def _insert_lines(
        self, before: int, new_lines: list[str], prompts: list[str] | None
    ) -> Edit:
        lines = self._lines
        if prompts is not None and before > 0 and prompts[0] == _PS2:
            at = lines[before - 1].next_start  # continues the statement above: no output between
        elif before < len(lines):
            at = lines[before].line_start  # a new statement goes above the next one
        else:
            at = self._content_end  # after the last line, and after its pycon output
        if at == len(self._text) and at > 0 and self._text[at - 1] not in "\r\n":
            # The document ends inside the fence without a final line break.
            content = self._newline + self._render(new_lines, prompts, False, "")
        else:
            content = self._render(new_lines, prompts, False, self._newline)
        return Edit(at, at, content)

    def _render(
        self, new_lines: list[str], prompts: list[str] | None, skip_first_prefix: bool,
        final_break: str,
    ) -> str:
        parts: list[str] = []
        for index, line in enumerate(new_lines):
            head = "" if index == 0 and skip_first_prefix else self._prefix
            if prompts is not None:
                head += prompts[index]
            if not line:
                head = head.rstrip(" \t")  # no trailing whitespace on blank lines
            if index < len(new_lines) - 1:
                parts.append(head + line + self._newline)
            else:
                # A blank last line needs its line break, or it is no line at all.
                parts.append(head + line + (final_break or ("" if line.strip() else self._newline)))
        return "".join(parts)

    def _round_trips(self, edits: list[Edit], new_lines: list[str]) -> bool:
        """Re-parse the changed top-level block and compare its fence with the new code."""
        new_text = apply_edits(self._text, edits)
        growth = sum(len(edit.content) - (edit.end - edit.start) for edit in edits)
        block_start, block_end = self._block_span
        # Uncached: these one-off block texts must not push documents out of the cache.
        fences = _parse_fences(new_text[block_start:block_end + growth])
        if len(fences) <= self._ordinal_in_block:
            return False
        expected = "".join(line + "\n" for line in new_lines)
        return fences[self._ordinal_in_block].code == expected


def python_fences(text: str) -> list[Fence]:
    """The Python fences of a Markdown document, in document order."""
    if _MAY_HAVE_PYTHON_FENCE.search(text) is None:
        return []  # the common case, in microseconds: no parse
    return list(_cached_fences(text))


@functools.lru_cache(maxsize=16)
def _cached_fences(text: str) -> tuple[Fence, ...]:
    # The engine asks again for the same text (check, fixes, suppression) and parsing is
    # the expensive part; fences are immutable, so sharing them is safe.
    return _parse_fences(text)


def _parse_fences(text: str) -> tuple[Fence, ...]:
    tokens = _PARSER.parse(text)
    lines = _DocumentLines(text)
    fences: list[Fence] = []
    block_map: list[int] = [0, 0]
    ordinal_in_block = 0
    for index, token in enumerate(tokens):
        if token.level == 0 and token.map is not None and token.nesting >= 0:
            block_map = token.map
            ordinal_in_block = 0
        if token.type != "fence" or token.map is None or not _is_python(token.info):
            continue
        block_span = (lines.start(block_map[0]), lines.start(block_map[1]))
        fence = _build_fence(text, lines, tokens, index, block_span, ordinal_in_block)
        if fence is not None:
            fences.append(fence)
        ordinal_in_block += 1
    return tuple(fences)


def _is_python(info: str) -> bool:
    words = info.split(maxsplit=1)
    return bool(words) and words[0].lower() in PYTHON_INFO


class _DocumentLines:
    """Line starts/ends of the original text, split the way markdown-it splits it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.ends: list[int] = []
        for match in _LINE_BREAK.finditer(text):
            self.ends.append(match.start())
            self.starts.append(match.end())
        self.ends.append(len(text))

    def start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def end(self, line: int) -> int:
        return self.ends[line] if line < len(self.ends) else len(self.text)


def _build_fence(
    text: str, lines: _DocumentLines, tokens: list[Token], index: int,
    block_span: tuple[int, int], ordinal_in_block: int,
) -> Fence | None:
    token = tokens[index]
    assert token.map is not None
    opening, after = token.map
    content = token.content.split("\n")
    if content[-1] == "":
        content.pop()
    closed = after - opening - 1 > len(content)
    pycon = token.info.split(maxsplit=1)[0].lower() == "pycon"

    code_lines: list[_CodeLine] = []
    code_parts: list[str] = []
    output_lines: set[int] = set()
    code_offset = 0
    previous_is_code = False
    for number, fence_content in enumerate(content, start=opening + 1):
        line_start, line_end = lines.start(number), lines.end(number)
        located = _locate_content(text[line_start:line_end], fence_content)
        if located is None:
            return None  # never seen; skipping a fence beats mis-mapping (or crashing on) it
        prefix_end, virtual = located[0] + line_start, located[1]
        prompt = 0
        if pycon:
            prompt = _prompt_length(fence_content, previous_is_code)
            previous_is_code = prompt > 0
            if not prompt:
                if fence_content.strip():
                    output_lines.add(number)
                continue
        code_start = prefix_end + prompt
        code_lines.append(_CodeLine(
            code_offset, number, line_start, prefix_end, code_start, line_end,
            lines.start(number + 1), virtual,
        ))
        piece = " " * virtual + text[code_start:line_end] + "\n"
        code_parts.append(piece)
        code_offset += len(piece)

    opening_start = lines.start(opening)
    opening_line = text[opening_start:lines.end(opening)]
    marker_column = opening_line.find(token.markup)
    last_line = after - 1 if closed else after
    directives = _directives(text, lines, tokens, index)
    return Fence(
        code="".join(code_parts),
        info=token.info,
        pycon=pycon,
        ignored_codes=_ignored_codes(directives),
        start=opening_start,
        end=lines.start(after),
        _text=text,
        _lines=tuple(code_lines),
        _content_start=lines.start(opening + 1),
        _content_end=lines.start(last_line),
        _prefix=_continuation_prefix(opening_line[:marker_column]),
        _marker_offset=opening_start + marker_column,
        _newline=text[lines.end(opening):lines.start(opening + 1)] or "\n",
        _output_lines=frozenset(output_lines),
        _directives=directives,
        _block_span=block_span,
        _ordinal_in_block=ordinal_in_block,
    )


def _continuation_prefix(opening_prefix: str) -> str:
    """The prefix that puts a new line in the same container as the fence's opening line.

    List markers become spaces (same columns, so tabs expand alike). A quote marker eats one
    space after it, so one is added where the marker had none: before a list marker that
    becomes spaces, and at the end (else it would come out of the code).
    """
    prefix = _LIST_MARKER_CHARS.sub(" ", _QUOTE_WITHOUT_SPACE.sub("> ", opening_prefix))
    return prefix + " " if prefix.endswith(">") else prefix


def _locate_content(doc_line: str, fence_content: str) -> tuple[int, int] | None:
    """(column where the fence content starts in ``doc_line``, number of virtual spaces).

    markdown-it's fence content is a suffix of the document line, except where a container
    used up part of a tab: then it starts with spaces standing for the rest of that tab.
    """
    normalized = doc_line.replace("\0", "\ufffd")  # markdown-it's only same-length rewrite
    if normalized.endswith(fence_content):
        return len(doc_line) - len(fence_content), 0
    for virtual in range(1, 4):
        rest = fence_content[virtual:]
        tab_column = len(doc_line) - len(rest) - 1
        if (fence_content[:virtual] == " " * virtual and normalized.endswith(rest)
                and tab_column >= 0 and doc_line[tab_column] == "\t"):
            return tab_column + 1, virtual
    return None


def _prompt_length(fence_content: str, after_code: bool) -> int:
    """Length of the pycon prompt starting ``fence_content``; 0 for output and blank lines."""
    for prompt, allowed in ((_PS1, True), (_PS2, after_code)):
        if allowed:
            if fence_content.startswith(prompt):
                return len(prompt)
            if fence_content == prompt.rstrip():
                return len(prompt) - 1
    return 0


def _directives(
    text: str, lines: _DocumentLines, tokens: list[Token], index: int
) -> tuple[_Directive, ...]:
    """The ssot comments in the HTML blocks right before ``tokens[index]``, same container."""
    level = tokens[index].level
    found: list[_Directive] = []
    position = index - 1
    while position >= 0:
        token = tokens[position]
        if token.type != "html_block" or token.level != level or token.map is None:
            break
        first, after = token.map
        region_start = lines.start(first)
        region = text[region_start:lines.end(after - 1)]
        block: list[_Directive] = []
        for match in _DIRECTIVE.finditer(region):
            raw = match.group("codes")
            codes = None if raw is None else tuple(c.strip() for c in raw.split(",") if c.strip())
            codes_start, codes_end = match.span("codes") if raw is not None else match.span()
            block.append(_Directive(region_start + match.start(), codes,
                                    region_start + codes_start, region_start + codes_end))
        found[:0] = block
        position -= 1
    return tuple(found)


def _ignored_codes(directives: tuple[_Directive, ...]) -> frozenset[str] | None:
    if any(directive.codes is None for directive in directives):
        return frozenset()
    codes = frozenset(code for directive in directives for code in directive.codes or ())
    return codes or None


def _split_lines(code: str) -> list[str]:
    lines = _LINE_BREAK.split(code)
    if lines[-1] == "":
        lines.pop()
    return lines


def _with_reprompted_lines(
    hunks: list[tuple[int, int, int, int]], old_prompts: list[str], new_prompts: list[str]
) -> list[tuple[int, int, int, int]]:
    """Grow each hunk over the unchanged lines after it whose prompt must change.

    A change can turn the next line into a statement start (a deleted ``>>>`` line leaves its
    ``...`` line behind) or into a continuation (a new open bracket); such a line is rewritten
    with its new prompt. Hunks that grow into each other are merged.
    """
    grown: list[tuple[int, int, int, int]] = []
    for index, (old_start, old_end, new_start, new_end) in enumerate(hunks):
        next_old_start = hunks[index + 1][0] if index + 1 < len(hunks) else len(old_prompts)
        while old_end < next_old_start and old_prompts[old_end] != new_prompts[new_end]:
            old_end += 1
            new_end += 1
        if grown and grown[-1][1] == old_start:
            old_start, new_start = grown[-1][0], grown[-1][2]
            grown.pop()
        grown.append((old_start, old_end, new_start, new_end))
    return grown


def _pycon_prompts(lines: list[str]) -> list[str]:
    """">>> " for a line that starts a statement, "... " for the others.

    A tolerant scan (the code may not parse): a line continues a statement when it starts
    inside brackets or a triple-quoted string, follows a backslash or a line ending in ":",
    is indented, follows a decorator, or is an else/elif/except/finally of an open block.
    A blank line is "..." inside a block (it ends the block, as in the interpreter).
    """
    scanner = _ContinuationScanner()
    prompts: list[str] = []
    in_block = False  # inside a compound statement opened at top level
    after_decorator = False
    after_colon = False
    for line in lines:
        inside = scanner.continues()
        stripped = line.strip()
        if not stripped:
            continuation = inside or in_block
            if not inside:
                in_block = False
        else:
            indented = line[0] in " \t"
            continuation = (
                inside or indented or after_colon or after_decorator
                or (in_block and _DEDENT_KEYWORDS.match(stripped) is not None)
            )
            if not continuation:
                in_block = False
            scanner.feed(line)
            if not scanner.continues():
                after_colon = scanner.ends_with_colon
                after_decorator = not indented and stripped.startswith("@")
                in_block = in_block or after_colon
        # A first line continues nothing, whatever its indentation says.
        prompts.append(_PS2 if continuation and prompts else _PS1)
        if not stripped and not inside:
            after_colon = after_decorator = False
    return prompts


class _ContinuationScanner:
    """Tracks brackets, triple-quoted strings and backslashes across lines of Python."""

    def __init__(self) -> None:
        self.depth = 0
        self.open_string: str | None = None  # the quote of an unclosed triple-quoted string
        self.backslash = False
        self.ends_with_colon = False

    def continues(self) -> bool:
        return self.depth > 0 or self.open_string is not None or self.backslash

    def feed(self, line: str) -> None:
        self.backslash = False
        last_code_char = ""
        position = 0
        while position < len(line):
            if self.open_string is not None:
                close = line.find(self.open_string, position)
                escaped = close > 0 and _is_escaped(line, close)
                if close == -1:
                    break
                position = close + (1 if escaped else 3)
                if not escaped:
                    self.open_string = None
                continue
            char = line[position]
            if char == "#":
                break
            if char in "'\"":
                position = self._skip_string(line, position)
                last_code_char = char
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            if not char.isspace():
                last_code_char = char
            position += 1
        if self.open_string is None:
            self.backslash = last_code_char == "\\" and line.rstrip().endswith("\\")
        self.ends_with_colon = last_code_char == ":" and self.depth == 0

    def _skip_string(self, line: str, position: int) -> int:
        quote = line[position]
        if line.startswith(quote * 3, position):
            close = position + 3
            while True:
                close = line.find(quote * 3, close)
                if close == -1:
                    self.open_string = quote * 3
                    return len(line)
                if not _is_escaped(line, close):
                    return close + 3
                close += 1
        close = position + 1
        while close < len(line):
            if line[close] == "\\":
                close += 2
                continue
            if line[close] == quote:
                return close + 1
            close += 1
        return len(line)


def _is_escaped(line: str, position: int) -> bool:
    backslashes = 0
    while position - backslashes - 1 >= 0 and line[position - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
