"""Text to syntax tree: the Lark callbacks that build `Syn` nodes while the
LALR parser reduces, and the one place where Lark's exceptions become
ParseErrors with a caret under the offending place.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Iterable

from ..errors import MatdiffError, ParseError, Span
from .grammar import (
    LarkError, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken,
    VisitError, parse,
)
from .syntax import (
    Syn, SynCall, SynChain, SynDeclaration, SynDeclWord, SynDefinition, SynName, SynNumber, SynPostfix,
    SynPower, SynPrefix, SynProgram, FACTORS, TERMS, deeper,
)

_SUM_OPS = {"+", "-"}
_MINUS = {"-", "−"}
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def _tok_span(tok: Token) -> Span:
    return Span(tok.start_pos or 0, tok.end_pos or 0)


def _op_text(tok: Token) -> str:
    text = str(tok)
    if text in _MINUS:
        return "-"
    return {"·": "*", ".+": "+", ".-": "-", "⊘": "./"}.get(text, text)


class _Builder(Transformer):
    """Callbacks named after the grammar's aliases; each returns a Syn node."""

    def number(self, children: list[Token]) -> Syn:
        tok = children[0]
        return SynNumber(_tok_span(tok), text=str(tok))

    def name(self, children: list[Token]) -> Syn:
        tok = children[0]
        return SynName(_tok_span(tok), name=str(tok))

    def paren(self, children: list[Any]) -> Syn:
        left, inner, right = children
        return replace(inner, span=Span(left.start_pos, right.end_pos))

    def arguments(self, children: list[Syn]) -> tuple[Syn, ...]:
        return tuple(children)

    def call(self, children: list[Any]) -> Syn:
        callee, _lpar, args, rpar = children
        span = Span(callee.start_pos, rpar.end_pos)
        return SynCall(span, name=str(callee), name_span=_tok_span(callee), args=args,
                       depth=deeper(span, *args))

    def binary(self, children: list[Any]) -> Syn:
        left, tok, right = children
        op = _op_text(tok)
        span = left.span.cover(right.span)
        if op in ("^", ".^"):
            return SynPower(span, op=op, op_span=_tok_span(tok), base=left, exponent=right,
                            depth=deeper(span, left, right))
        level = TERMS if op in _SUM_OPS else FACTORS
        return self._extend(left, op, _tok_span(tok), right, level, span)

    def juxtapose(self, children: list[Syn]) -> Syn:
        left, right = children
        span = left.span.cover(right.span)
        if isinstance(right, SynNumber) and right.text.startswith(".") and right.span.start == left.span.end:
            raise ParseError("a number has one decimal point: this one has two", Span(left.span.end, left.span.end + 1))
        return self._extend(left, "", Span(right.span.start, right.span.start + 1), right,
                            FACTORS, span)

    @staticmethod
    def _extend(left: Syn, op: str, op_span: Span, right: Syn, level: str, span: Span) -> Syn:
        if isinstance(left, SynChain) and left.level == level:
            return SynChain(span, first=left.first, ops=left.ops + (op,),
                            op_spans=left.op_spans + (op_span,), operands=left.operands + (right,),
                            level=level, depth=max(left.depth, deeper(span, right)))
        return SynChain(span, first=left, ops=(op,), op_spans=(op_span,), operands=(right,),
                        level=level, depth=deeper(span, left, right))

    def prefix(self, children: list[Any]) -> Syn:
        tok, operand = children
        span = _tok_span(tok).cover(operand.span)
        return SynPrefix(span, op=_op_text(tok), operand=operand, depth=deeper(span, operand))

    def postfix(self, children: list[Any]) -> Syn:
        operand, tok = children
        op = {"ᵀ": "'"}.get(str(tok), str(tok))
        span = operand.span.cover(_tok_span(tok))
        return SynPostfix(span, op=op, op_span=_tok_span(tok), operand=operand,
                          depth=deeper(span, operand))

    def superscript(self, children: list[Any]) -> Syn:
        operand, tok = children
        span = operand.span.cover(_tok_span(tok))
        entrywise = str(tok).startswith("∘")  # x∘² is x.^2
        exponent = SynNumber(_tok_span(tok), text=str(tok).lstrip("∘").translate(_SUPERSCRIPT_DIGITS))
        return SynPower(span, op=".^" if entrywise else "^", op_span=_tok_span(tok), base=operand, exponent=exponent,
                        depth=deeper(span, operand))

    # -- declarations ------------------------------------------------------
    def decl_word(self, children: list[Token]) -> SynDeclWord:
        tok = children[0]
        return SynDeclWord(str(tok), _tok_span(tok))

    def decl_call(self, children: list[Token]) -> SynDeclWord:
        callee, *sizes, rpar = [c for c in children if c.type != "LPAR"]
        return SynDeclWord(str(callee), Span(callee.start_pos or 0, rpar.end_pos or 0),
                           tuple((str(s), _tok_span(s)) for s in sizes))

    def declaration(self, children: list[Any]) -> SynDeclaration:
        name, *words = children
        return SynDeclaration(str(name), _tok_span(name), tuple(words))

    def declarations(self, children: list[SynDeclaration]) -> tuple[SynDeclaration, ...]:
        return tuple(children)

    def where_part(self, children: list[Any]) -> tuple[SynDeclaration, ...]:
        return children[1]

    def start(self, children: list[Any]) -> tuple[Syn, tuple[SynDeclaration, ...]]:
        return (children[0], children[1] if len(children) > 1 else ())

    # -- programs ----------------------------------------------------------
    def definition(self, children: list[Any]) -> Syn:
        name, _equals, value = children
        span = _tok_span(name).cover(value.span)
        return SynDefinition(span, name=str(name), name_span=_tok_span(name), value=value, depth=value.depth)

    def program(self, children: list[Any]) -> Syn:
        """One bare expression is itself; anything else is a program whose
        statements before the last are definitions."""
        statements = tuple(c for c in children if isinstance(c, Syn))
        if len(statements) == 1 and not isinstance(statements[0], SynDefinition):
            return statements[0]
        for statement in statements[:-1]:
            if not isinstance(statement, SynDefinition):
                raise ParseError("only the last statement of a program may be a bare expression; give this one "
                                 "a name (name = ...) or remove it", statement.span)
        span = statements[0].span.cover(statements[-1].span)
        return SynProgram(span, statements=statements, depth=max(s.depth for s in statements))

    def declarations_only(self, children: list[Any]) -> tuple[SynDeclaration, ...]:
        return children[0]


def parse_syntax(text: str, symbols: Iterable[str] = ()) -> tuple[Syn, tuple[SynDeclaration, ...]]:
    """Parse an expression (with an optional `where` clause) into syntax;
    `symbols` are names declared elsewhere. A multi-letter name declared in
    the expression's own `where` and followed by '(' is read again as a
    symbol (the declarations come after the expression)."""
    if not text.strip():
        raise ParseError("the expression is empty", Span(0, 1), text)
    _check_length(text)
    _check_brackets(text)
    stripped = text.lstrip()
    if stripped.startswith("where") and stripped[5:6].isspace():
        start = len(text) - len(stripped)
        raise ParseError("the expression before 'where' is missing", Span(start, start + 5), text)
    known = frozenset(symbols)
    broken = statement_breaks(text)
    syntax, declarations = _run("start", broken, known, text)
    inline = {d.name for d in declarations} - known
    if any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}[ \t]*\(", text) for name in inline):
        syntax, declarations = _run("start", broken, known | inline, text)
    return syntax, declarations


# A line ending in one of these goes on to the next line, and so does a line
# followed by one starting with an operator (no statement starts with one);
# any other line break at the top level ends a statement (as ';' does).
_CONTINUES = set("+-*/\\^∘⊘⊗·−=,(;.")
_CONTINUED_BY = set("+-*/\\^∘⊘⊗·−.'ᵀ⁻=")


def statement_breaks(text: str) -> str:
    """The text with every line break that ends a statement written as ';'
    (one character for one: spans stay right). A
    break inside parentheses, after an operator, before 'where' or at either
    end of the text is white space; nothing after 'where' changes."""
    chars = list(text)
    depth, i, n = 0, 0, len(text)
    last = ""  # the last character that is not white space
    while i < n:
        ch = chars[i]
        if ch in "()":
            depth += 1 if ch == "(" else -1
        elif depth == 0 and ch == "w" and text.startswith("where", i) and _word_at(text, i, 5):
            break
        elif ch == "\n" and depth == 0 and last and last not in _CONTINUES:
            following = _NEXT_WORD.match(text, i + 1)
            word = following.group(1) if following else ""
            if word and word[0] not in _CONTINUED_BY and not (word.startswith("where") and _word_at(word, 0, 5)):
                chars[i] = ";"
                ch = ";"
        if not ch.isspace():
            last = ch
        i += 1
    return "".join(chars)


_NEXT_WORD = re.compile(r"\s*(\S+)")


def _word_at(text: str, i: int, length: int) -> bool:
    """text[i:i+length] stands alone (no letter, digit or '_' on either side)."""
    def part(c: str) -> bool:
        return c.isalnum() or c == "_"
    return not (i > 0 and part(text[i - 1])) and not (i + length < len(text) and part(text[i + length]))


def parse_declarations(text: str) -> tuple[SynDeclaration, ...]:
    """Parse a separate declaration list such as 'A: matrix(n,n) symmetric, c: scalar'."""
    if not text.strip():
        return ()
    _check_length(text)
    _check_brackets(text)
    return _run("declarations_only", text)


def _run(start: str, text: str, symbols: frozenset[str] = frozenset(), written: str | None = None) -> Any:
    """Parse `text`; errors show `written`, the text as the user wrote it
    (statement_breaks changes line breaks only, so every span is the same)."""
    shown = text if written is None else written
    try:
        return parse(text, start, _Builder, symbols)
    except VisitError as e:  # an error raised inside a callback arrives wrapped
        inner = e.orig_exc
        if isinstance(inner, MatdiffError):
            raise inner.with_text(shown) from None
        raise
    except MatdiffError as e:
        raise e.with_text(shown) from None
    except UnexpectedInput as e:
        error = _translate(e, text, start)
        error.text = shown
        raise error from None
    except LarkError as e:  # pragma: no cover - any other Lark failure is still the input's
        raise ParseError(f"cannot read the input ({e})", None, shown) from None


# Inputs are read up to this length (some 7,000 terms, answered in about 3 s).
MAX_INPUT_LENGTH = 50_000


def _check_length(text: str) -> None:
    if len(text) > MAX_INPUT_LENGTH:
        raise ParseError(f"the input has {len(text):,} characters: matdiff reads at most {MAX_INPUT_LENGTH:,}",
                         Span(MAX_INPUT_LENGTH, MAX_INPUT_LENGTH + 1), text)


def _check_brackets(text: str) -> None:
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            opened.append(i)
        elif ch == ")":
            if not opened:
                raise ParseError("this ')' has no matching '('", Span(i, i + 1), text)
            opened.pop()
    if opened:
        i = opened[-1]
        raise ParseError("this '(' is never closed: a ')' is missing", Span(i, i + 1), text)


_TOKEN_WORDS = {
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "DOTSTAR": "'.*'",
    "DOTSLASH": "'./'", "CIRC": "'∘'", "OTIMES": "'⊗'", "CARET": "'^'", "DOTCARET": "'.^'",
    "QUOTE": "a transpose (')", "SUP_T": "'ᵀ'", "SUP_INV_T": "'⁻ᵀ'", "SUP_INT": "a superscript power",
    "CIRC_SUP": "an entry-wise superscript power",
    "LPAR": "'('", "RPAR": "')'", "NUMBER": "a number", "NAME": "a name", "CALLEE": "a name",
    "WHERE": "'where'", "COMMA": "','", "COLON": "':'", "SEMI": "';' or a new line", "EQUALS": "'='",
}
_BINARY = {"PLUS", "MINUS", "STAR", "SLASH", "DOTSTAR", "DOTSLASH", "CIRC", "OTIMES", "CARET", "DOTCARET"}


def _translate(e: UnexpectedInput, text: str, start: str) -> ParseError:
    what = "declaration" if start == "declarations_only" else "expression"
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        habit = _habit(text, pos)
        if habit is not None:
            message, first, after = habit
            return ParseError(message, Span(first, after), text)
        return ParseError(f"unexpected character {ch!r} (U+{ord(ch):04X}); it is not part of the matdiff language"
                          if ch else "unexpected character", Span(pos, pos + 1), text)
    empty = _empty_definition(e, text)
    if empty is not None:
        return empty
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        last = _last_token(text)
        if last is not None:
            pos, tok = last
            if tok in ("+", "-", "*", "/", ".*", "./", "∘", "⊘", "⊗", "^", ".^", "−", "·"):
                return ParseError(f"the {what} ends after '{tok}': an operand is missing",
                                  Span(pos, pos + len(tok)), text)
        n = len(text.rstrip())
        return ParseError(f"the {what} ends too early", Span(max(0, n - 1), n), text)
    if isinstance(e, UnexpectedToken):
        tok = e.token
        span = Span(tok.start_pos or 0, max((tok.end_pos or 0), (tok.start_pos or 0) + 1))
        shown = str(tok)
        if tok.type == "STAR" and text[:tok.start_pos or 0].rstrip().endswith("*"):
            return ParseError("'**' is Python's power; matdiff writes X^2 (a matrix power) or X.^2 "
                              "(entry by entry)", Span(span.start - 1, span.end), text)
        if tok.type in _BINARY:
            return ParseError(f"'{shown}' cannot stand here: an operand is missing before it", span, text)
        if tok.type == "RPAR":
            return ParseError("')' cannot stand here: something is missing before it", span, text)
        if tok.type == "COMMA":
            owner = _callee_before(text, tok.start_pos or 0)
            if owner is not None:
                return ParseError(f"{owner} is a symbol, not a function: {owner}(...) is a product and holds one "
                                  f"expression", span, text)
            return ParseError("',' separates the arguments of a function only", span, text)
        if tok.type == "WHERE":
            return ParseError("'where' must follow a complete expression", span, text)
        if tok.type == "EQUALS":
            if text[:tok.start_pos or 0].endswith("="):
                return ParseError("'==' compares, and matdiff has no comparisons", Span(span.start - 1, span.end),
                                  text)
            if text[tok.end_pos or 0:].startswith("="):
                return ParseError("'==' compares, and matdiff has no comparisons", Span(span.start, span.end + 1),
                                  text)
            if re.search(r"(?<![A-Za-z0-9_])where(?![A-Za-z0-9_])", text[:tok.start_pos or 0]):
                return ParseError("the 'where' declarations come last, after every statement of the program",
                                  span, text)
            return ParseError("'=' defines a name and stands right after it (a = W*x); what is left of "
                              "this '=' is not a name", span, text)
        expected = sorted({_TOKEN_WORDS.get(t, t) for t in e.expected if not t.startswith("__")})
        hint = f" (expected {', '.join(expected[:6])})" if expected and len(expected) <= 6 else ""
        return ParseError(f"unexpected {shown!r} in the {what}{hint}", span, text)
    return ParseError(f"cannot read the {what}", None, text)  # pragma: no cover


_MODULES = ("np", "numpy", "jnp", "torch", "scipy", "la", "linalg", "math")
# NumPy names whose matdiff function is called differently.
_NUMPY_NAMES = {"trace": "tr(X)", "dot": "x'*y or inner(x, y)", "norm": "norm2(x)", "slogdet": "logdet(X)",
                "eigvalsh": "eigvals(S)", "transpose": "X'", "matmul": "A*B", "outer": "x*y'", "multiply": "A .* B",
                "kron": "kron(A, B)", "inv": "inv(A)"}


def _habit(text: str, pos: int) -> tuple[str, int, int] | None:
    """A hint for a character that Python, NumPy or LaTeX habits put there:
    (message, start, end of the span it is about), or None."""
    ch = text[pos]
    word = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[pos + 1:])
    if ch == "." and word is not None:
        owner = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", text[:pos])
        if owner is not None and owner.group(0) in _MODULES:
            path = re.match(r"[A-Za-z_][A-Za-z0-9_.]*", text[owner.start():])
            dotted = path.group(0) if path else owner.group(0)
            name = dotted.split(".")[-1]
            return (f"'{dotted}' is Python; matdiff names its functions without a module{_function_hint(name)}",
                    owner.start(), owner.start() + len(dotted))
        if word.group(0) == "T":
            return "'.T' is NumPy's transpose; matdiff writes X' or Xᵀ", pos, pos + 2
    if ch == "|":
        return "'|' is not matdiff: write abs(x) entry by entry, or norm2(x) for the Euclidean norm", pos, pos + 1
    if ch == "\\":
        if word is not None and len(word.group(0)) >= 3:
            return (f"'\\{word.group(0)}' is LaTeX; matdiff writes A' for a transpose, inv(A) for an inverse "
                    f"and plain names for symbols", pos, pos + 1 + len(word.group(0)))
    if ch in "{}":
        return f"'{ch}' is LaTeX grouping; matdiff groups with parentheses: A^(-1), x'*(A + B)*x", pos, pos + 1
    if ch == "@":
        return "'@' is Python's matrix product; matdiff writes A*B or A B", pos, pos + 1
    if ch in "[]":
        return "matdiff has no indexing or brackets; group with parentheses", pos, pos + 1
    return None


def _function_hint(name: str) -> str:
    from ..ops import lookup, suggest  # the registry knows the function names
    if name in _NUMPY_NAMES:
        return f"; write {_NUMPY_NAMES[name]}"
    known = name if lookup(name) is not None else suggest(name)
    return f"; write {known}(...)" if known else "; matdiff --help lists them"


def _callee_before(text: str, pos: int) -> str | None:
    """The name right before the '(' that encloses position pos, if any."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth < 0:
            found = re.search(r"([A-Za-z][A-Za-z0-9_]*)[ \t]*$", text[:i])
            return found.group(1) if found else None
    return None


def _empty_definition(e: UnexpectedInput, text: str) -> ParseError | None:
    """'a = ;', 'a =' at the end or 'a = where ...': a definition without its expression."""
    if not isinstance(e, (UnexpectedToken, UnexpectedEOF)):
        return None
    ends = isinstance(e, UnexpectedEOF) or e.token.type == "$END"
    at = len(text) if ends else (e.token.start_pos or 0)
    found = None
    if ends or e.token.type in ("SEMI", "WHERE"):
        found = re.search(r"([A-Za-z][A-Za-z0-9_]*)[ \t]*=[ \t\n]*$", text[:at])
    if found is None:  # the lexer reads 'where' after '=' as a name
        found = re.search(r"([A-Za-z][A-Za-z0-9_]*)[ \t]*=\s*(?=where\b)", text[:at])
    if found is None:
        return None
    return ParseError(f"the definition of {found.group(1)} is empty: write {found.group(1)} = an expression",
                      Span(found.start(1), found.end(0)), text)


def _last_token(text: str) -> tuple[int, str] | None:
    stripped = text.rstrip()
    for op in (".*", "./", ".^", "+", "-", "*", "/", "∘", "⊘", "⊗", "^", "−", "·"):
        if stripped.endswith(op):
            return len(stripped) - len(op), op
    return None
