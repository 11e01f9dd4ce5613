"""Python fences in Markdown: extraction, offset mapping, edits back into the document."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ssot_ls.markdown import PYTHON_INFO, Fence, python_fences
from ssot_ls.text import apply_edits

IMPORT = "from netra_backend.app.websocket_core.factory import create_websocket_manager\n"


def only_fence(text: str) -> Fence:
    fences = python_fences(text)
    assert len(fences) == 1, fences
    return fences[0]


def code_line_spans(code: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in code.split("\n")[:-1]:
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def assert_maps_exactly(text: str, fence: Fence) -> None:
    """Every slice inside a code line maps to the same characters of the document."""
    for line_start, line_end in code_line_spans(fence.code):
        line = fence.code[line_start:line_end]
        # Leading spaces may stand for part of a tab; everything from the first tab/char on is real.
        first_real = line_start + (len(line) - len(line.lstrip(" ")) if "\t" in text else 0)
        for start in range(first_real, line_end + 1):
            for end in range(start, line_end + 1):
                assert text[fence.to_document(start):fence.to_document(end)] == \
                    fence.code[start:end], (start, end)
        # The line break of the code is the line break of the document (or its end).
        assert text[fence.to_document(line_end):][:1] in ("\r", "\n", "")


def assert_rewrites(text: str, fence_index: int, new_code: str) -> str:
    fence = python_fences(text)[fence_index]
    edits = fence.document_edits(new_code)
    assert edits is not None
    new_text = apply_edits(text, edits)
    assert python_fences(new_text)[fence_index].code == new_code
    return new_text


# --- what is a Python fence --------------------------------------------------------------

# (id, markdown, code of each Python fence)
POSITIVE = [
    ("backticks", "```python\n" + IMPORT + "```\n", [IMPORT]),
    ("tildes", "~~~py\n" + IMPORT + "~~~\n", [IMPORT]),
    ("long fence", "`````python3\n" + IMPORT + "`````\n", [IMPORT]),
    ("longer closing fence", "```py3\n" + IMPORT + "``````\n", [IMPORT]),
    ("backticks inside tildes", "~~~~python\n```\n" + IMPORT + "```\n~~~~\n",
     ["```\n" + IMPORT + "```\n"]),
    ("info with extra words", '```python title="x.py" linenums="1"\n' + IMPORT + "```\n",
     [IMPORT]),
    ("info in capitals", "```Python\n" + IMPORT + "```\n", [IMPORT]),
    ("info after spaces", "~~~~  PY3  {linenos}\n" + IMPORT + "~~~~\n", [IMPORT]),
    ("indented fence strips its indentation", "   ```py\n   import a\n  import b\n     x\n   ```\n",
     ["import a\nimport b\n  x\n"]),
    ("list item", "- intro\n\n  ```py\n  import a\n\n      x = 1\n  ```\n",
     ["import a\n\n    x = 1\n"]),
    ("fence opens the list item", "- ```py\n  import a\n  ```\n", ["import a\n"]),
    ("nested list", "1. one\n   - two\n\n     ```python\n     import a\n     ```\n",
     ["import a\n"]),
    ("block quote", "> ```py\n> import a\n>\n>     x\n> ```\n", ["import a\n\n    x\n"]),
    ("nested quote in list", "- > ```py\n  > import a\n  > ```\n", ["import a\n"]),
    ("lazy line ends the quoted fence", "> ```py\n> import a\nimport b\n", ["import a\n"]),
    ("unclosed fence runs to the end", "text\n\n```py\nimport a\nimport b",
     ["import a\nimport b\n"]),
    ("unclosed fence runs to the end of its quote", "> ```py\n> import a\n\nimport b\n",
     ["import a\n"]),
    ("tab indented code", "```py\ndef f():\n\treturn 1\n```\n", ["def f():\n\treturn 1\n"]),
    ("tab partly used by a list", "- a\n\n  ```py\n\t x\n  ```\n", ["   x\n"]),
    ("CRLF", "# T\r\n\r\n```py\r\nimport a\r\nimport b\r\n```\r\n", ["import a\nimport b\n"]),
    ("mixed line endings", "```py\r\nimport a\nimport b\rimport c\r\n```\n",
     ["import a\nimport b\nimport c\n"]),
    ("emoji before the code", "- 🚀 item\n\n  ```py\n  x = '🎉'; import a\n  ```\n",
     ["x = '🎉'; import a\n"]),
    ("two fences", "```py\nimport a\n```\n\n```js\nimport b\n```\n\n```py\nimport c\n```\n",
     ["import a\n", "import c\n"]),
    ("empty fence", "```py\n```\n", [""]),
    ("empty unclosed fence", "```py", [""]),
    ("NUL character", "```py\n\0import a\n```\n", ["\0import a\n"]),
    ("pycon", "```pycon\n>>> from a import (\n...     b,\n... )\n>>> b\n1\n\n>>> c\n...\n```\n",
     ["from a import (\n    b,\n)\nb\nc\n\n"]),
    ("pycon blank prompts", "```pycon\n>>> def f():\n...     return 1\n...\n>>>\n```\n",
     ["def f():\n    return 1\n\n\n"]),
]

# (id, markdown): look-alikes of the positive cases that hold no Python fence.
NEGATIVE = [
    ("js fence with the same import", "```js\n" + IMPORT + "```\n"),
    ("no info string", "```\n" + IMPORT + "```\n"),
    ("info that only starts with python", "```pythonic\n" + IMPORT + "```\n"),
    ("braced info", "```{.python}\n" + IMPORT + "```\n"),
    ("indented code block", "text\n\n    ```py\n    " + IMPORT + "    ```\n"),
    ("prompt text outside a fence", ">>> " + IMPORT),
    ("inline code", "Use ```py import a``` here.\n"),
    ("backticks in the info string", "```py`x\n" + IMPORT + "```\n"),
    ("fence inside an HTML block", "<div>\n```py\n" + IMPORT + "```\n</div>\n"),
    ("no fence characters at all", "# Title\n\nfrom a import b\n"),
]


@pytest.mark.parametrize(("markdown", "codes"), [c[1:] for c in POSITIVE],
                         ids=[c[0] for c in POSITIVE])
def test_finds_python_fences(markdown: str, codes: list[str]) -> None:
    fences = python_fences(markdown)
    assert [fence.code for fence in fences] == codes
    for fence in fences:
        assert_maps_exactly(markdown, fence)
        assert fence.document_edits(fence.code) == []


@pytest.mark.parametrize("markdown", [c[1] for c in NEGATIVE], ids=[c[0] for c in NEGATIVE])
def test_ignores_look_alikes(markdown: str) -> None:
    assert python_fences(markdown) == []


def test_info_words() -> None:
    for info in ("python", "py", "python3", "py3", "PY3"):
        fence = only_fence(f"```{info}\nx\n```\n")
        assert (fence.info, fence.pycon) == (info, False)
    assert only_fence("```pycon\n>>> x\n```\n").pycon


def test_pycon_output_and_dots() -> None:
    # "..." after output is output (a doctest ellipsis), not a continuation prompt.
    text = "```pycon\n>>> f()\n...\n1\n...\n>>> g\n```\n"
    assert only_fence(text).code == "f()\n\ng\n"


def test_fence_span() -> None:
    text = "intro\n\n```py\nx\n```\nafter\n"
    fence = only_fence(text)
    assert text[fence.start:fence.end] == "```py\nx\n```\n"


def test_to_document_finds_the_import_after_emoji() -> None:
    text = "> 🎉🎉 note\n>\n> ```py\n> x = '👍🏽'  # 🚀\n> " + IMPORT + "> ```\n"
    fence = only_fence(text)
    match = re.search(r"create_websocket_manager", fence.code)
    assert match is not None
    start, end = fence.to_document(match.start()), fence.to_document(match.end())
    assert text[start:end] == "create_websocket_manager"
    assert text[fence.to_document(len(fence.code)) - 1] == "\n"


def test_to_document_of_an_empty_fence_is_its_content_start() -> None:
    text = "- ```py\n  ```\n"
    assert only_fence(text).to_document(0) == text.index("  ```")


# --- edits back into the document --------------------------------------------------------

# (id, markdown, new code, expected markdown)
REWRITES = [
    ("replace a line", "```py\nimport a\nimport b\n```\n", "import a\nimport c\n",
     "```py\nimport a\nimport c\n```\n"),
    ("insert a line", "```py\nimport a\nx = 1\n```\n", "import a\nimport b\nx = 1\n",
     "```py\nimport a\nimport b\nx = 1\n```\n"),
    ("delete a line", "```py\nimport a\nimport b\nx = 1\n```\n", "import a\nx = 1\n",
     "```py\nimport a\nx = 1\n```\n"),
    ("list prefix put back", "- ```py\n  import a\n  x = 1\n  ```\n",
     "from c import (\n    a,\n)\nx = 1\n",
     "- ```py\n  from c import (\n      a,\n  )\n  x = 1\n  ```\n"),
    ("ordered list prefix", "10. ```py\n    import a\n    ```\n", "import b\nimport c\n",
     "10. ```py\n    import b\n    import c\n    ```\n"),
    ("quote prefix put back, blank line without trailing space",
     "> ```py\n> import a\n> ```\n", "import b\n\nx\n", "> ```py\n> import b\n>\n> x\n> ```\n"),
    ("nested quote in list", "- > ```py\n  > import a\n  > ```\n", "import a\nimport b\n",
     "- > ```py\n  > import a\n  > import b\n  > ```\n"),
    ("fence indentation put back", "  ```py\n  import a\n  ```\n", "import a\n  x\n",
     "  ```py\n  import a\n    x\n  ```\n"),
    ("CRLF kept", "```py\r\nimport a\r\nx\r\n```\r\n", "import b\r\nimport c\r\nx\r\n",
     "```py\r\nimport b\r\nimport c\r\nx\r\n```\r\n"),
    ("CRLF kept for LF new code", "```py\r\nimport a\r\n```\r\n", "import b\nimport c\n",
     "```py\r\nimport b\r\nimport c\r\n```\r\n"),
    ("unclosed fence without final newline", "```py\nimport a", "import a\nimport b\n",
     "```py\nimport a\nimport b"),
    ("replace the last line without final newline", "```py\nimport a", "import b\n",
     "```py\nimport b"),
    ("fill an empty fence", "- ```py\n  ```\n", "import a\n", "- ```py\n  import a\n  ```\n"),
    ("empty everything", "```py\nimport a\nimport b\n```\n", "", "```py\n```\n"),
    ("emoji line", "```py\nx = '🎉'\nimport a\n```\n", "x = '🎉'\nimport b\n",
     "```py\nx = '🎉'\nimport b\n```\n"),
    ("pycon multi-line import",
     "```pycon\n>>> from x import a, b\n>>> a()\n1\n```\n",
     "from x import (\n    a,\n    b,\n)\na()\n",
     "```pycon\n>>> from x import (\n...     a,\n...     b,\n... )\n>>> a()\n1\n```\n"),
    ("pycon prompts in a quote",
     "> ```pycon\n> >>> import a\n> ```\n", "import b\nif b:\n    pass\n\nb.x\n",
     "> ```pycon\n> >>> import b\n> >>> if b:\n> ...     pass\n> ...\n> >>> b.x\n> ```\n"),
    ("pycon statement added after the output",
     "```pycon\n>>> a()\n1\n```\n", "a()\nb()\n", "```pycon\n>>> a()\n1\n>>> b()\n```\n"),
    ("pycon statement added before the next statement",
     "```pycon\n>>> import a\n1\n>>> a()\n```\n", "import a\nimport b\na()\n",
     "```pycon\n>>> import a\n1\n>>> import b\n>>> a()\n```\n"),
    ("pycon continuation added to its statement",
     "```pycon\n>>> f(a,\n...   b)\n2\n>>> g\n```\n", "f(a,\n  b,\n  c)\ng\n",
     "```pycon\n>>> f(a,\n...   b,\n...   c)\n2\n>>> g\n```\n"),
    ("pycon line left by a deleted decorator starts a statement",
     "```pycon\n>>> @dec\n... def f(): pass\n>>> f()\n```\n", "def f(): pass\nf()\n",
     "```pycon\n>>> def f(): pass\n>>> f()\n```\n"),
    ("pycon line after a new open bracket continues it",
     "```pycon\n>>> a = 1\n>>> b\n>>> c\n```\n", "a = (1,\nb\n)\nc\n",
     "```pycon\n>>> a = (1,\n... b\n... )\n>>> c\n```\n"),
    ("pycon delete a silent statement",
     "```pycon\n>>> import a\n>>> import b\n>>> b.f()\n3\n```\n", "import b\nb.f()\n",
     "```pycon\n>>> import b\n>>> b.f()\n3\n```\n"),
]


@pytest.mark.parametrize(("markdown", "new_code", "expected"), [c[1:] for c in REWRITES],
                         ids=[c[0] for c in REWRITES])
def test_document_edits(markdown: str, new_code: str, expected: str) -> None:
    edits = only_fence(markdown).document_edits(new_code)
    assert edits is not None
    result = apply_edits(markdown, edits)
    assert result == expected
    assert only_fence(result).code == new_code.replace("\r\n", "\n")


@pytest.mark.parametrize(("markdown", "codes"), [c[1:] for c in POSITIVE],
                         ids=[c[0] for c in POSITIVE])
def test_line_changes_round_trip(markdown: str, codes: list[str]) -> None:
    """Replace, insert and delete each line of each fence; re-extraction gives the new code."""
    for index, code in enumerate(codes):
        lines = code.split("\n")[:-1]
        variants = []
        for position in range(len(lines) + 1):
            before, after = lines[:position], lines[position:]
            variants.append([*before, "import new_module_🚀", *after])
            if after:
                variants.append([*before, "from x import (y,\n    z)", *after[1:]])
                variants.append([*before, *after[1:]])
        for variant in variants:
            new_code = "".join(line + "\n" for line in variant)
            fence = python_fences(markdown)[index]
            edits = fence.document_edits(new_code)
            if edits is None:
                # Only pycon changes across an output line, and the tab case, may be refused.
                assert fence.pycon or "\t" in markdown, new_code
                continue
            new_markdown = apply_edits(markdown, edits)
            assert python_fences(new_markdown)[index].code == new_code
            untouched = [f.code for i, f in enumerate(python_fences(new_markdown)) if i != index]
            assert untouched == [c for i, c in enumerate(codes) if i != index]


# (id, new code, prompts put in front of each line)
PYCON_PROMPTS = [
    ("decorated function", "@dec\ndef f():\n    pass\n\nf()\n",
     [">>>", "...", "...", "...", ">>>"]),
    ("if/else", "if x:\n    a\nelse:\n    b\n\nc\n", [">>>", "...", "...", "...", "...", ">>>"]),
    ("try/except*/finally", "try:\n    a\nexcept* E:\n    b\nfinally:\n    c\n",
     [">>>", "...", "...", "...", "...", "..."]),
    ("triple-quoted string", "s = '''\n(\n'''\nx\n", [">>>", "...", "...", ">>>"]),
    ("escaped quote in a string", 's = """a\\"""\nb\n"""\nc\n', [">>>", "...", "...", ">>>"]),
    ("backslash", "x = 1 + \\\n2\ny\n", [">>>", "...", ">>>"]),
    ("brackets in comments and strings", "x = 1  # (\ny = '('\nz\n", [">>>", ">>>", ">>>"]),
    ("line after a colon", "if x:\npass\ny\n", [">>>", "...", ">>>"]),
    ("blank line between statements", "a\n\nb\n", [">>>", ">>>", ">>>"]),
]


@pytest.mark.parametrize(("new_code", "prompts"), [c[1:] for c in PYCON_PROMPTS],
                         ids=[c[0] for c in PYCON_PROMPTS])
def test_pycon_prompts(new_code: str, prompts: list[str]) -> None:
    text = "```pycon\n```\n"
    edits = only_fence(text).document_edits(new_code)
    assert edits is not None
    result = apply_edits(text, edits)
    written = result.split("\n")[1:-2]
    assert [line[:3] for line in written] == prompts
    assert only_fence(result).code == new_code


def test_refuses_a_pycon_change_across_output() -> None:
    fence = only_fence("```pycon\n>>> a()\n1\n>>> b()\n```\n")
    assert fence.document_edits("x(\n)\n") is None  # one statement where output separated two
    fence = only_fence("```pycon\n>>> a()\n1\n```\n")
    assert fence.document_edits("") is None  # "1" would be left without its statement


def test_refuses_code_that_would_close_the_fence() -> None:
    fence = only_fence("```py\nimport a\n```\n\ntext\n")
    assert fence.document_edits("import a\n```\nimport b\n") is None


def test_edits_touch_only_changed_lines() -> None:
    text = "- ```py\n  import a\n  x = 1\n  ```\n"
    edits = only_fence(text).document_edits("import b\nx = 1\n")
    assert edits is not None and len(edits) == 1
    assert text[edits[0].start:edits[0].end] == "import a\n"


# --- suppression comments ----------------------------------------------------------------

SUPPRESSIONS = [
    ("bare", "<!-- ssot: ignore -->\n```py\nx\n```\n", frozenset()),
    ("codes", "<!-- ssot: ignore[SSOT001, SSOT002] -->\n```py\nx\n```\n",
     frozenset({"SSOT001", "SSOT002"})),
    ("blank lines between", "<!-- ssot: ignore[SSOT001] -->\n\n\n```py\nx\n```\n",
     frozenset({"SSOT001"})),
    ("comments add up", "<!-- ssot: ignore[A] -->\n<!-- prettier-ignore -->\n"
     "<!-- ssot: ignore[B] -->\n```py\nx\n```\n", frozenset({"A", "B"})),
    ("bare wins", "<!-- ssot: ignore[A] -->\n<!-- ssot: ignore -->\n```py\nx\n```\n", frozenset()),
    ("in a list item", "- <!-- ssot: ignore[A] -->\n  ```py\n  x\n  ```\n", frozenset({"A"})),
    ("in a quote", "> <!-- ssot: ignore[A] -->\n> ```py\n> x\n> ```\n", frozenset({"A"})),
    ("after a paragraph", "Text\n<!-- ssot: ignore[A] -->\n```py\nx\n```\n", frozenset({"A"})),
    # Look-alikes that suppress nothing:
    ("paragraph between", "<!-- ssot: ignore -->\n\nText\n\n```py\nx\n```\n", None),
    ("other container", "<!-- ssot: ignore -->\n- ```py\n  x\n  ```\n", None),
    ("inline comment", "Text <!-- ssot: ignore -->\n```py\nx\n```\n", None),
    ("other tool", "<!-- noqa -->\n```py\nx\n```\n", None),
    ("empty brackets", "<!-- ssot: ignore[] -->\n```py\nx\n```\n", None),
    ("after the fence", "```py\nx\n```\n<!-- ssot: ignore -->\n", None),
]


@pytest.mark.parametrize(("markdown", "ignored"), [c[1:] for c in SUPPRESSIONS],
                         ids=[c[0] for c in SUPPRESSIONS])
def test_ignore_comments(markdown: str, ignored: frozenset[str] | None) -> None:
    assert only_fence(markdown).ignored_codes == ignored


IGNORE_EDITS = [
    ("new comment", "Text\n\n```py\nx\n```\n",
     "Text\n\n<!-- ssot: ignore[SSOT001] -->\n```py\nx\n```\n"),
    ("new comment in a list", "- ```py\n  x\n  ```\n",
     "- <!-- ssot: ignore[SSOT001] -->\n  ```py\n  x\n  ```\n"),
    ("new comment in a quote, CRLF", "> ```py\r\n> x\r\n> ```\r\n",
     "> <!-- ssot: ignore[SSOT001] -->\r\n> ```py\r\n> x\r\n> ```\r\n"),
    ("new comment before an indented fence", "   ```py\n   x\n   ```\n",
     "   <!-- ssot: ignore[SSOT001] -->\n   ```py\n   x\n   ```\n"),
    ("extend", "<!-- ssot: ignore[SSOT009] -->\n\n```py\nx\n```\n",
     "<!-- ssot: ignore[SSOT009,SSOT001] -->\n\n```py\nx\n```\n"),
    ("extend empty brackets", "<!-- ssot: ignore[] -->\n```py\nx\n```\n",
     "<!-- ssot: ignore[SSOT001] -->\n```py\nx\n```\n"),
    ("already suppressed", "<!-- ssot: ignore[SSOT001] -->\n```py\nx\n```\n",
     "<!-- ssot: ignore[SSOT001] -->\n```py\nx\n```\n"),
    ("already suppressed by bare", "<!-- ssot: ignore -->\n```py\nx\n```\n",
     "<!-- ssot: ignore -->\n```py\nx\n```\n"),
]


@pytest.mark.parametrize(("markdown", "expected"), [c[1:] for c in IGNORE_EDITS],
                         ids=[c[0] for c in IGNORE_EDITS])
def test_ignore_comment_edit(markdown: str, expected: str) -> None:
    result = apply_edits(markdown, [only_fence(markdown).ignore_comment_edit("SSOT001")])
    assert result == expected
    fence = only_fence(result)
    assert fence.ignored_codes is not None
    assert fence.ignored_codes == frozenset() or "SSOT001" in fence.ignored_codes
    assert fence.code == only_fence(markdown).code


# --- properties --------------------------------------------------------------------------

CODE_LINES = st.sampled_from([
    "import a", "from netra.factory import create_websocket_manager as make", "x = '🎉🚀'",
    "", "def f():", "    return f(1,", "        2)", "\tpass", "# ```", "s = '''", "'''",
    "y = 1  # 👍🏽 ünïcode", "    ", "print(\"x\")",
])
CONTAINERS = st.sampled_from([
    ("", ""), ("- ", "  "), ("1. ", "   "), ("1) ", "   "), ("> ", "> "), (">", "> "),
    ("> - ", ">   "), ("- > ", "  > "), ("* > > ", "  > > "), ("  ", "  "), ("   - ", "     "),
])


@st.composite
def fenced_documents(draw: st.DrawFn) -> tuple[str, str]:
    """A document with one Python fence in a container, and the code it must yield."""
    opening, continuation = draw(CONTAINERS)
    char = draw(st.sampled_from("`~"))
    width = draw(st.integers(3, 6))
    indent = " " * draw(st.integers(0, 0 if opening else 3))
    info = draw(st.sampled_from(["py", "python", "Python3", "py3 title='a b'"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = draw(st.lists(CODE_LINES, max_size=6))
    closed = draw(st.booleans())
    before = draw(st.sampled_from(["", "# 🎉 Title" + newline + newline, "Text" + newline]))
    body = [opening + indent + char * width + info]
    for line in lines:
        body.append((continuation + indent + line) if line.strip() else continuation.rstrip())
    if closed:
        body.append(continuation + indent + char * width)
    ending = draw(st.sampled_from(["", newline]))
    code = "".join(line + "\n" if line.strip(" ") else "\n" for line in lines)
    if not closed and not ending and lines and not lines[-1].strip(" "):
        code = code[:-1]  # a blank last line without a line break is no line at all
    return before + newline.join(body) + ending, code


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(fenced_documents(), st.data())
def test_generated_fences_map_and_rewrite(document: tuple[str, str], data: st.DataObject) -> None:
    text, code = document
    fence = only_fence(text)
    assert fence.code == code
    assert_maps_exactly(text, fence)
    assert fence.document_edits(code) == []
    new_lines = data.draw(st.lists(CODE_LINES, max_size=6))
    new_code = "".join(line + "\n" for line in new_lines)
    edits = fence.document_edits(new_code)
    assert edits is not None
    assert only_fence(apply_edits(text, edits)).code == new_code


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    *"`~>-*1. \t\n\r\0xpyi🎉", "```py", "~~~python", ">>> ", "... ", "```pycon",
    "<!-- ssot: ignore -->",
]), max_size=40).map("".join), st.sampled_from(["import a\n", "", "from b import (\n    c,\n)\n"]))
def test_arbitrary_text_never_breaks(text: str, new_code: str) -> None:
    fences = python_fences(text)
    python_tokens = [t for t in MarkdownIt("commonmark").parse(text)
                     if t.type == "fence" and t.info.split()[:1] and
                     t.info.split()[0].lower() in PYTHON_INFO]
    assert len(fences) == len(python_tokens)  # none skipped
    for index, fence in enumerate(fences):
        if "\t" not in text:
            assert_maps_exactly(text, fence)
        edits = fence.document_edits(new_code)
        if edits is not None:
            assert python_fences(apply_edits(text, edits))[index].code == new_code


PYCON_LINES = st.sampled_from([
    ">>> import a", ">>> from a import (", "...     b,", "... )", "1", "'x'", "", ">>> if a:",
    "...     b()", "...", ">>>", ">>> s = '''", "... '''", "... 🎉", "Traceback (most recent call last):",
])


def output_lines(markdown: str, prefix: str) -> list[str]:
    """The output lines of a pycon fence, without the container prefix: not blank, not a
    ">>>" line, not a "..." line right after a prompt line (doctest's rule)."""
    outputs, after_prompt = [], False
    for line in markdown.split("\n")[1:]:
        for head in (prefix, prefix.rstrip()):
            if line.startswith(head):
                line = line[len(head):]
                break
        is_prompt = line.startswith(">>>") or (after_prompt and line.startswith("..."))
        if line and not is_prompt and not line.startswith("```"):
            outputs.append(line)
        after_prompt = is_prompt
    return outputs


@settings(max_examples=200, deadline=None)
@given(st.lists(PYCON_LINES, max_size=8), st.sampled_from(["", "> ", "- "]),
       st.lists(CODE_LINES, max_size=6))
def test_pycon_rewrites_round_trip(lines: list[str], container: str, new_lines: list[str]) -> None:
    continuation = container.replace("-", " ")
    body = "".join((continuation + line).rstrip() + "\n" for line in lines)
    text = f"{container}```pycon\n{body}{continuation}```\n"
    fence = only_fence(text)
    assert fence.document_edits(fence.code) == []
    new_code = "".join(line + "\n" for line in new_lines)
    edits = fence.document_edits(new_code)
    if edits is None:
        # Only output lines, or blank lines (which end a doctest example), in the way make a
        # change unmappable.
        assert output_lines(text, continuation) or any(not line.strip() for line in lines)
        return
    new_text = apply_edits(text, edits)
    assert only_fence(new_text).code == new_code
    assert output_lines(new_text, continuation) == output_lines(text, continuation)  # output kept, in order


# --- speed -------------------------------------------------------------------------------

def test_five_thousand_lines_are_fast() -> None:
    chunk = (
        "## Section 🎉\n\nSome *text* with `code` and [a link](http://x).\n\n"
        "- item\n- item with more\n  text\n\n> a quote\n> more\n\n"
        "```python\n" + IMPORT + "manager = create_websocket_manager()\n```\n\n"
    )
    text = chunk * (5000 // chunk.count("\n"))
    assert text.count("\n") >= 4900
    started = time.perf_counter()
    fences = python_fences(text + "\n")  # a new text: not served from the cache
    elapsed = time.perf_counter() - started
    assert len(fences) == 5000 // chunk.count("\n")
    assert elapsed < 2.0  # ~0.1 s on the reference machine; generous for slow CI
