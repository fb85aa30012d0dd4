#!/usr/bin/env python3
"""No English sentence is made under src/core or src/platform (issue 13): the core and
the platform say why as data (reasons, operations, skip reasons, codec failures) and
each front end words it. Allowed: the English renderer (src/core/error_format.c, the
CLI's and the tests' words) and the log's records (di_log_emit, and the request's record
in job.c), which are English on purpose.

A sentence here is a string literal holding three lower-case words in a row ("a drive
of", "is not a"): format names ("DMG (Apple disk image)") and identifiers pass. Exits 1
naming each literal found, so adding `snprintf(detail, ..., "the card is full")` fails.

Usage: no_english_test.py SOURCE_DIR [--self-test]"""
import pathlib
import re
import sys

ALLOWED_FILES = {"src/core/error_format.c", "src/core/log.c"}
# Calls whose literals are log records (OPTION: the request's record, in job.c only).
LOG_CALLS = re.compile(r"\bdi_log_emit\s*\(")
LOG_CALLS_IN = {"src/core/job.c": re.compile(r"\b(di_log_emit|OPTION)\s*\(")}
SENTENCE = re.compile(r"\b[a-z]+ [a-z]+ [a-z]+\b")
LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def strip_comments(text):
    """Comments become spaces (kept line breaks), literals stay as they are."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif text[i] == '"':
            m = LITERAL.match(text, i)
            end = m.end() if m else i + 1
            out.append(text[i:end])
            i = end
        elif text[i] == "'":
            m = re.compile(r"'(?:[^'\\\n]|\\.)*'").match(text, i)
            end = m.end() if m else i + 1
            out.append(text[i:end])
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def statement_start(code, pos):
    """Where the statement holding pos begins: after the last ; { or } before it."""
    depth = 0
    for j in range(pos - 1, -1, -1):
        c = code[j]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
        elif c in ";{}" and depth <= 0:
            return j + 1
    return 0


# Literals side by side ("the card " "is full") are one text, as the compiler joins them.
ADJACENT = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*"')


def join_adjacent(code):
    while True:
        joined = ADJACENT.sub(lambda m: '"' + m.group(1), code)
        if joined == code:
            return code
        code = joined


def sentences(path, text):
    code = join_adjacent(strip_comments(text))
    # The same code with every literal's inside blanked, so "(%s)" in a literal does not
    # count as a parenthesis when the statement around a literal is looked for.
    blank = LITERAL.sub(lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', code)
    found = []
    for m in LITERAL.finditer(code):
        literal = m.group(0)[1:-1]
        if not SENTENCE.search(literal):
            continue
        statement = blank[statement_start(blank, m.start()):m.start()]
        if LOG_CALLS_IN.get(path, LOG_CALLS).search(statement):
            continue
        line = code.count("\n", 0, m.start()) + 1
        found.append(f"{path}:{line}: {m.group(0)}")
    return found


def self_test():
    bad = 'void f(di_error *e) { snprintf(e->detail, 9, "the card is full"); }\n'
    split = 'void f(di_error *e) { snprintf(e->detail, 9, "the card " "is full"); }\n'
    option = 'void f(void) { OPTION("; move the backup GPT"); }\n'
    good = ('/* a comment with many words in it */\n'
            'void g(void) { di_log_emit(log, DI_LOG_INFO, "drive (%s): model",\n'
            '                           "more words in a log record"); }\n'
            'static const char *n = "DMG (Apple disk image)";\n')
    assert sentences("bad.c", bad), "a sentence in detail must be found"
    assert sentences("split.c", split), "a sentence split in two literals must be found"
    assert sentences("other.c", option), "OPTION( is a log record in job.c only"
    assert not sentences("src/core/job.c", option), "the request's record in job.c"
    assert not sentences("good.c", good), sentences("good.c", good)
    print("self-test passed")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    self_test()
    root = pathlib.Path(sys.argv[1])
    found, files = [], 0
    for folder in ("src/core", "src/platform"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".c", ".h"):
                continue
            rel = path.relative_to(root).as_posix()
            if rel in ALLOWED_FILES:
                continue
            files += 1
            found += sentences(rel, path.read_text(encoding="utf-8"))
    if found:
        print("English sentences under src/core or src/platform (say it as a reason, or "
              "move it to the renderer or a log record):")
        print("\n".join(found))
        return 1
    print(f"{files} files of src/core and src/platform: no English sentence outside the "
          "renderer and the log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
