"""Scope language: parsing, evaluation semantics, error locations, and property tests."""

from __future__ import annotations

import math
import pickle
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombuds.domain.content import AttributeValue
from ombuds.domain.policy import Policy
from ombuds.domain.scope import MAX_DEPTH, MAX_LENGTH, Scope
from ombuds.errors import InputError, ScopeSyntaxError


def covers(source: str, **attributes: AttributeValue) -> bool:
    return Scope.parse(source).covers(attributes)


def covers_attrs(source: str, attributes: Mapping[str, AttributeValue]) -> bool:
    return Scope.parse(source).covers(attributes)


# --- parsing and evaluation -------------------------------------------------------------


class TestExamples:
    def test_region_list_and_community(self) -> None:
        source = 'region in ["EU", "UK"] and community == "x"'
        assert covers(source, region="EU", community="x")
        assert covers(source, region="UK", community="x")
        assert not covers(source, region="US", community="x")
        assert not covers(source, region="EU", community="y")
        assert not covers(source, region="EU")

    def test_not_binds_to_the_comparison(self) -> None:
        source = "not consent.scanning == false"
        assert covers_attrs(source, {"consent.scanning": True})
        assert not covers_attrs(source, {"consent.scanning": False})
        # Plain negation: a missing flag makes the comparison false, so `not` covers it.
        assert covers_attrs(source, {})

    def test_parenthesised_or_and_not_equal(self) -> None:
        source = '(region == "EU" or region == "UK") and age_band != "minor"'
        assert covers(source, region="UK", age_band="adult")
        assert not covers(source, region="UK", age_band="minor")
        # A missing age_band is not evidence that it differs from "minor".
        assert not covers(source, region="UK")

    def test_true_covers_everyone_and_false_no_one(self) -> None:
        assert covers("true")
        assert covers("true", region="EU")
        assert not covers("false")
        assert not covers("false", region="EU")


class TestLiterals:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            (r'a == "plain"', "plain"),
            (r"a == 'single'", "single"),
            (r'a == "it\"s"', 'it"s'),
            (r"a == 'it\'s'", "it's"),
            (r"""a == "it's" """, "it's"),
            (r"""a == 'say "hi"'""", 'say "hi"'),
            (r'a == "back\\slash"', "back\\slash"),
            (r'a == "tab\tnl\ncr\r"', "tab\tnl\ncr\r"),
            (r'a == "\u00e9t\u00E9"', "été"),
            ('a == "raw\nnewline"', "raw\nnewline"),
            ('a == ""', ""),
            ('a == "日本"', "日本"),
        ],
    )
    def test_strings(self, source: str, expected: str) -> None:
        assert covers(source, a=expected)
        assert not covers(source, a=expected + "x")

    @pytest.mark.parametrize(
        ("source", "value"),
        [
            ("a == 42", 42),
            ("a == -7", -7),
            ("a == 0", 0),
            ("a == 1.5", 1.5),
            ("a == -0.25", -0.25),
            ("a == 1e3", 1000),
            ("a == 2.5E-1", 0.25),
            ("a == 123456789012345678901234567890", 123456789012345678901234567890),
        ],
    )
    def test_numbers(self, source: str, value: int | float) -> None:
        assert covers(source, a=value)

    def test_int_and_float_are_the_same_kind(self) -> None:
        assert covers("a == 1", a=1.0)
        assert covers("a == 1.0", a=1)
        assert covers("a in [1, 2]", a=2.0)

    def test_booleans_and_null(self) -> None:
        assert covers("a == true", a=True)
        assert covers("a == false", a=False)
        assert not covers("a == true", a=False)
        assert covers("a == null", a=None)
        assert not covers("a == null", a="")
        assert not covers("a == null")

    def test_bool_is_not_a_number(self) -> None:
        assert not covers("a == 1", a=True)
        assert not covers("a == 0", a=False)
        assert not covers("a == true", a=1)
        assert not covers("a in [1, 0]", a=True)
        assert not covers("a in [true]", a=1)
        assert not covers("a < 2", a=True)
        assert not covers("a >= 0", a=False)
        # A mismatch is no evidence of difference either.
        assert not covers("a != 1", a=True)

    def test_strings_compare_exactly(self) -> None:
        assert not covers('a == "EU"', a="eu")
        assert not covers('a == "EU"', a="EU ")
        assert not covers('a == "é"', a="e\u0301")  # no Unicode normalization

    def test_whitespace_is_free(self) -> None:
        assert covers('\ta=="x"\n\r and\nb  in[1,2]  ', a="x", b=2)


class TestNames:
    def test_dotted_name_is_a_flat_key(self) -> None:
        assert covers_attrs("consent.scanning == true", {"consent.scanning": True})
        assert not covers_attrs("consent.scanning == true", {"consent": True})

    def test_names_may_contain_keyword_parts(self) -> None:
        assert covers_attrs("consent.in == 1 and not_a == 2", {"consent.in": 1, "not_a": 2})
        assert covers_attrs("_private == 1 and x2 == 2", {"_private": 1, "x2": 2})

    def test_attribute_names(self) -> None:
        scope = Scope.parse('has(a) and (b.c < 3 or not d in [1]) and e != "x" or true')
        assert scope.attribute_names() == frozenset({"a", "b.c", "d", "e"})
        assert Scope.parse("true").attribute_names() == frozenset()


class TestOperators:
    @pytest.mark.parametrize(
        ("source", "value", "expected"),
        [
            ("a < 3", 2, True),
            ("a < 3", 3, False),
            ("a <= 3", 3, True),
            ("a <= 3", 3.5, False),
            ("a > 3", 3, False),
            ("a > 3", 3.01, True),
            ("a >= 3", 3, True),
            ("a >= 3", 2.99, False),
            ("a > -1.5", -1, True),
            ("a < 1e100", 10**99, True),
        ],
    )
    def test_ordering(self, source: str, value: float, expected: bool) -> None:
        assert covers(source, a=value) is expected

    def test_ordering_is_false_for_non_numbers(self) -> None:
        assert not covers("region < 3", region="EU")
        assert not covers("region >= 3", region=None)
        assert not covers("a < 3", a=math.nan)
        assert not covers("a >= 3", a=math.nan)
        assert covers("a > 3", a=math.inf)

    def test_in_and_not_in(self) -> None:
        assert covers('a in ["x", "y"]', a="y")
        assert not covers('a in ["x", "y"]', a="z")
        assert covers('a not in ["x", "y"]', a="z")
        assert not covers('a not in ["x", "y"]', a="x")
        assert not covers("a in []", a="x")
        assert covers("a not in []", a="x")
        assert covers('a in [1, "1", true]', a="1")
        assert covers("a in [null]", a=None)

    def test_not_in_needs_a_comparable_element(self) -> None:
        assert not covers('a not in ["x"]', a=3)
        assert covers('a not in ["x", 1]', a=3)
        assert not covers("a not in [1, 2]", a=True)

    def test_type_mismatch_is_false_never_an_error(self) -> None:
        assert not covers("a == 3", a="3")
        assert not covers("a != 3", a="EU")
        assert not covers('a == "3"', a=3)
        assert not covers('a != "x"', a=None)
        assert not covers("a == false", a=None)

    def test_null_literal_tests_nullness_of_any_value(self) -> None:
        assert covers("a != null", a="x")
        assert covers("a != null", a=0)
        assert not covers("a != null", a=None)
        assert covers("a not in [null]", a=False)

    def test_has(self) -> None:
        assert covers("has(a)", a=None)
        assert covers("has(a)", a=0)
        assert not covers("has(a)", b=1)
        assert covers_attrs("has( consent.scanning )", {"consent.scanning": False})
        assert covers("not has(a)")

    def test_nan_attribute(self) -> None:
        assert not covers("a == 1.5", a=math.nan)
        assert not covers("a in [1, 2]", a=math.nan)
        assert covers("a != 1.5", a=math.nan)  # nan is a number and differs from 1.5


class TestMissingAttributes:
    @pytest.mark.parametrize(
        "source",
        [
            'a == "x"',
            'a != "x"',
            "a == null",
            "a != null",
            'a in ["x"]',
            'a not in ["x"]',
            "a not in []",
            "a < 1",
            "a <= 1",
            "a > 1",
            "a >= 1",
            "has(a)",
        ],
    )
    def test_every_comparison_on_a_missing_attribute_is_false(self, source: str) -> None:
        assert not covers(source, other="x")
        assert covers(f"not {source}", other="x")  # `not` is plain negation


class TestPrecedence:
    def test_not_binds_tighter_than_and(self) -> None:
        # (not a == 1) and b == 1
        assert covers("not a == 1 and b == 1", a=2, b=1)
        assert not covers("not a == 1 and b == 1", a=2, b=2)

    def test_and_binds_tighter_than_or(self) -> None:
        # a == 1 or (b == 1 and c == 1)
        source = "a == 1 or b == 1 and c == 1"
        assert covers(source, a=1, b=0, c=0)
        assert not covers(source, a=0, b=1, c=0)
        assert covers(source, a=0, b=1, c=1)

    def test_parentheses_override(self) -> None:
        source = "(a == 1 or b == 1) and c == 1"
        assert not covers(source, a=1, b=0, c=0)
        assert covers(source, a=1, b=0, c=1)
        assert covers("not (a == 1 and b == 1)", a=1, b=2)
        assert not covers("not (a == 1 or b == 1)", a=1, b=2)

    def test_not_not(self) -> None:
        assert covers("not not a == 1", a=1)
        assert covers("not not not a == 1", a=2)

    def test_long_chains_are_flat(self) -> None:
        source = " or ".join(f"a == {i}" for i in range(300))
        assert covers(source, a=299)
        assert not covers(source, a=300)


class TestScopeValue:
    def test_equal_and_hashed_by_source(self) -> None:
        assert Scope.parse("a == 1") == Scope("a == 1")
        assert hash(Scope.parse("a == 1")) == hash(Scope("a == 1"))
        assert Scope.parse("a == 1") != Scope.parse("a==1")
        assert len({Scope("true"), Scope.parse("true"), Scope("false")}) == 2

    def test_repr_shows_only_the_source(self) -> None:
        assert repr(Scope.parse("a == 1")) == "Scope(source='a == 1')"

    def test_direct_construction_validates(self) -> None:
        with pytest.raises(ScopeSyntaxError) as info:
            Scope("a ==")
        assert info.value.field is None

    def test_non_string_source_is_a_type_error(self) -> None:
        with pytest.raises(TypeError):
            Scope.parse(123)  # type: ignore[arg-type]

    def test_frozen(self) -> None:
        scope = Scope.parse("true")
        with pytest.raises(AttributeError):
            scope.source = "false"  # type: ignore[misc]

    def test_pickles(self) -> None:
        scope = Scope.parse('a in ["x"]')
        clone = pickle.loads(pickle.dumps(scope))
        assert clone == scope
        assert clone.covers({"a": "x"})

    def test_policy_holds_a_scope(self) -> None:
        policy = Policy(name="eu", scope=Scope.parse('region == "EU"'))
        assert policy.scope.covers({"region": "EU"})


class TestCoversNeverRaises:
    def test_values_outside_the_attribute_types(self) -> None:
        scope = Scope.parse('a == "x" or a in [1] or a < 3 or a != null or a not in []')
        assert not scope.covers({"a": ["x"]})  # type: ignore[dict-item]
        assert not scope.covers({"a": object()})  # type: ignore[dict-item]

    def test_misbehaving_mapping_fails_closed_even_under_not(self) -> None:
        class Broken(Mapping[str, AttributeValue]):
            def __getitem__(self, key: str) -> AttributeValue:
                raise RuntimeError("boom")

            def __iter__(self) -> Iterator[str]:
                raise RuntimeError("boom")

            def __len__(self) -> int:
                return 1

            def __contains__(self, key: object) -> bool:
                raise RuntimeError("boom")

        assert not Scope.parse("not a == 1").covers(Broken())
        assert not Scope.parse("not has(a)").covers(Broken())
        assert Scope.parse("true").covers(Broken())  # reads nothing

    def test_misbehaving_value_fails_closed(self) -> None:
        class Weird(str):
            __slots__ = ()

            def __hash__(self) -> int:
                raise RuntimeError("boom")

        assert not Scope.parse('not a == "x"').covers({"a": Weird("x")})


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("", 1, "empty scope expression"),
        ("   ", 1, "empty scope expression"),
        ("region", 7, "expected a comparison operator"),
        ("region and x == 1", 8, "after attribute 'region', found 'and'"),
        ('"abc', 1, "unterminated string"),
        ('a == "abc', 6, "unterminated string"),
        ("a == 'abc\\", 6, "unterminated string"),
        ("a == @", 6, "unexpected character '@'"),
        ("a = 1", 3, "did you mean '=='"),
        ("a ! 1", 3, "did you mean '!='"),
        ("a == 1\u00a0", 7, "unexpected character '\\xa0'"),
        ("a == ", 6, "expected a value"),
        ("(a == 1", 8, "expected ')', found end of expression"),
        ("((a == 1)", 10, "unbalanced '(' at column 1"),
        ("a == 1)", 7, "unbalanced ')'"),
        ("a == 1 b == 2", 8, "expected 'and', 'or' or end of expression, found name 'b'"),
        ("a == 1 'x'", 8, "found string"),
        ('a < "x"', 5, "compares numbers only"),
        ("a >= true", 6, "compares numbers only"),
        ("a <= null", 6, "compares numbers only"),
        ('a in "x"', 6, "expected '[' to start a list"),
        ("a in [1, ]", 10, "expected a value"),
        ("a in [1 2]", 9, "expected ',' or ']'"),
        ("a in [1, [2]]", 10, "expected a value"),
        ("a not 1", 7, "expected 'in'"),
        ("and a == 1", 1, "expected a condition"),
        ("a == 1 and", 11, "expected a condition"),
        ("a == 1 or or b == 1", 11, "found 'or'"),
        ("not", 4, "found end of expression"),
        ("()", 2, "expected a condition"),
        ("a == null_", 6, "found name 'null_'"),
        ("a == [1]", 6, "lists go with 'in'"),
        ("3 == a", 1, "expected a condition"),
        ("a == b", 6, "expected a value"),
        ("a == 3abc", 7, "malformed number"),
        ("a == 1.2.3", 9, "malformed number"),
        ("a == 1.", 7, "malformed number"),
        ("a == .5", 6, "unexpected character '.'"),
        ("a == -x", 6, "unexpected character '-'"),
        ("a.b. == 1", 4, "malformed name"),
        ("a == 1e999", 6, "out of range"),
        ('a == "\\q"', 7, "unknown escape"),
        ('a == "\\u12"', 7, "exactly 4 hex digits"),
        ('a == "\\ud800"', 7, "surrogate"),
        ("has(1)", 5, "expected an attribute name"),
        ("has x", 5, "expected '(' after has"),
        ("has(a", 6, "expected ')'"),
        ("has == 1", 5, "expected '(' after has"),
        ("a == 1 AND b == 2", 8, "keywords are lowercase"),
        ("a == True", 6, "keywords are lowercase"),
        ("TRUE", 5, "keywords are lowercase"),
        ("a == 1 && b == 2", 8, "unexpected character '&'"),
    ],
)
def test_syntax_errors_point_at_the_token(source: str, column: int, fragment: str) -> None:
    with pytest.raises(ScopeSyntaxError) as info:
        Scope.parse(source, field="scope")
    error = info.value
    assert error.column == column, str(error)
    assert fragment in str(error)
    assert error.source == source
    assert error.field == "scope"


def test_error_renders_a_caret_under_the_token() -> None:
    with pytest.raises(ScopeSyntaxError) as info:
        Scope.parse('region == "EU" and age_band < "x"', field="policies[0].scope")
    text = str(info.value)
    assert text.startswith("field 'policies[0].scope': ")
    assert text.endswith('\n    region == "EU" and age_band < "x"\n' + " " * 34 + "^")
    assert isinstance(info.value, InputError)


def test_bare_attribute_message_names_expected_and_found() -> None:
    with pytest.raises(ScopeSyntaxError) as info:
        Scope.parse("region or x == 1")
    message = str(info.value)
    assert "expected a comparison operator (==, !=, <, <=, >, >=, in or not in)" in message
    assert "found 'or'" in message


class TestLimits:
    def test_nesting_at_the_limit_parses(self) -> None:
        source = "(" * MAX_DEPTH + "a == 1" + ")" * MAX_DEPTH
        assert covers(source, a=1)

    def test_parentheses_beyond_the_limit(self) -> None:
        source = "(" * (MAX_DEPTH + 1) + "a == 1" + ")" * (MAX_DEPTH + 1)
        with pytest.raises(ScopeSyntaxError, match="nests deeper") as info:
            Scope.parse(source)
        assert info.value.column == MAX_DEPTH + 1

    def test_not_chains_count_as_nesting(self) -> None:
        assert covers("not " * MAX_DEPTH + "a == 1", a=1)
        with pytest.raises(ScopeSyntaxError, match="nests deeper") as info:
            Scope.parse("not " * (MAX_DEPTH + 1) + "a == 1")
        assert info.value.column == 4 * MAX_DEPTH + 1

    def test_hostile_nesting_is_a_syntax_error_not_a_crash(self) -> None:
        with pytest.raises(ScopeSyntaxError):
            Scope.parse("(" * (MAX_LENGTH - 1) + "a")
        with pytest.raises(ScopeSyntaxError):
            Scope.parse("not " * (MAX_LENGTH // 4))

    def test_length(self) -> None:
        ok = "a == 1" + " " * (MAX_LENGTH - 6)
        assert len(ok) == MAX_LENGTH
        assert covers(ok, a=1)
        with pytest.raises(ScopeSyntaxError, match="longer than") as info:
            Scope.parse(ok + " ")
        assert info.value.column == MAX_LENGTH + 1


# --- properties --------------------------------------------------------------------------

_TOKENS = [
    "a", "b.c", "has", "(", ")", "[", "]", ",", "==", "!=", "<", "<=", ">", ">=", "in",
    "not", "and", "or", "true", "false", "null", "1", "-2.5", "1e3", '"x"', "'y'", '"',
    "\\", "=", "!", "AND", "3abc", "@", "\u00a0", "\n",
]  # fmt: skip


@settings(max_examples=300)
@given(st.one_of(st.text(), st.lists(st.sampled_from(_TOKENS), max_size=30).map(" ".join)))
def test_parse_raises_only_scope_syntax_error(source: str) -> None:
    column = None
    try:
        scope = Scope.parse(source)
    except ScopeSyntaxError as error:
        column = error.column
    else:
        scope.covers({})
        scope.covers({"a": 1, "b.c": "x"})
    assert column is None or 1 <= column <= len(source) + 1


# A reference model of the language: a tiny AST rendered to text, and evaluated directly.


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Has:
    name: str


@dataclass(frozen=True)
class Cmp:
    name: str
    op: str  # ==, !=, <, <=, >, >=
    value: AttributeValue


@dataclass(frozen=True)
class In:
    name: str
    negated: bool
    values: tuple[AttributeValue, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True)
class Group:
    inner: Node


Node = Const | Has | Cmp | In | Not | And | Or | Group

_NAMES = ["a", "b", "region", "consent.scanning", "_x1"]
_STRINGS = ["EU", "UK", "", "it's", 'say "hi"', "back\\slash", "tab\there", "é"]
_NUMBERS: list[int | float] = [-2, 0, 1, 3, 1.0, 1.5, -0.0, 2.5e-3, 10**20]


def _ref_kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "null"


def _ref_equal(value: AttributeValue, literal: AttributeValue) -> bool:
    return _ref_kind(value) == _ref_kind(literal) and value == literal


def _ref_comparable(value: AttributeValue, literal: AttributeValue) -> bool:
    return literal is None or _ref_kind(value) == _ref_kind(literal)


def reference(node: Node, attrs: Mapping[str, AttributeValue]) -> bool:
    """The documented semantics, written independently of the implementation."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Has):
        return node.name in attrs
    if isinstance(node, Not):
        return not reference(node.operand, attrs)
    if isinstance(node, And):
        return reference(node.left, attrs) and reference(node.right, attrs)
    if isinstance(node, Or):
        return reference(node.left, attrs) or reference(node.right, attrs)
    if isinstance(node, Group):
        return reference(node.inner, attrs)
    if node.name not in attrs:
        return False
    value = attrs[node.name]
    if isinstance(node, In):
        hit = any(_ref_equal(value, v) for v in node.values)
        if not node.negated:
            return hit
        comparable = not node.values or any(_ref_comparable(value, v) for v in node.values)
        return comparable and not hit
    if node.op == "==":
        return _ref_equal(value, node.value)
    if node.op == "!=":
        return _ref_comparable(value, node.value) and not _ref_equal(value, node.value)
    if _ref_kind(value) != "number":
        return False
    assert isinstance(value, int | float)
    assert isinstance(node.value, int | float)
    return {
        "<": value < node.value,
        "<=": value <= node.value,
        ">": value > node.value,
        ">=": value >= node.value,
    }[node.op]


def render_literal(value: AttributeValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    quote = "'" if '"' in value and "'" not in value else '"'
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\t", "\\t")
    return quote + escaped + quote


_PRECEDENCE = {Or: 1, And: 2, Not: 3}


def render(node: Node) -> str:
    """Text with only the parentheses precedence needs (plus explicit Groups)."""

    def child(sub: Node, minimum: int) -> str:
        text = render(sub)
        return f"({text})" if _PRECEDENCE.get(type(sub), 4) < minimum else text

    if isinstance(node, Const):
        return "true" if node.value else "false"
    if isinstance(node, Has):
        return f"has({node.name})"
    if isinstance(node, Cmp):
        return f"{node.name} {node.op} {render_literal(node.value)}"
    if isinstance(node, In):
        op = "not in" if node.negated else "in"
        return f"{node.name} {op} [{', '.join(render_literal(v) for v in node.values)}]"
    if isinstance(node, Not):
        return "not " + child(node.operand, 3)
    if isinstance(node, And):
        return child(node.left, 2) + " and " + child(node.right, 2)
    if isinstance(node, Or):
        return child(node.left, 1) + " or " + child(node.right, 1)
    return f"({render(node.inner)})"


literals: st.SearchStrategy[AttributeValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(_NUMBERS),
    st.sampled_from(_STRINGS),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
)
names = st.sampled_from(_NAMES)
numbers = st.one_of(st.sampled_from(_NUMBERS), st.floats(allow_nan=False, allow_infinity=False))

leaves: st.SearchStrategy[Node] = st.one_of(
    st.builds(Const, st.booleans()),
    st.builds(Has, names),
    st.builds(Cmp, names, st.sampled_from(["==", "!="]), literals),
    st.builds(Cmp, names, st.sampled_from(["<", "<=", ">", ">="]), numbers),
    st.builds(In, names, st.booleans(), st.lists(literals, max_size=4).map(tuple)),
)


def _extend(inner: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(Not, inner),
        st.builds(And, inner, inner),
        st.builds(Or, inner, inner),
        st.builds(Group, inner),
    )


expressions: st.SearchStrategy[Node] = st.recursive(leaves, _extend, max_leaves=12)

attribute_values: st.SearchStrategy[AttributeValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(_NUMBERS),
    st.sampled_from(_STRINGS),
    st.integers(-3, 3),
    st.floats(),  # includes nan and the infinities
    st.text(max_size=3),
)
attribute_maps = st.dictionaries(names, attribute_values, max_size=len(_NAMES))


def _names_of(node: Node) -> set[str]:
    if isinstance(node, Has | Cmp | In):
        return {node.name}
    if isinstance(node, Not):
        return _names_of(node.operand)
    if isinstance(node, Group):
        return _names_of(node.inner)
    if isinstance(node, And | Or):
        return _names_of(node.left) | _names_of(node.right)
    return set()


@settings(max_examples=300)
@given(expressions, st.lists(attribute_maps, min_size=1, max_size=5))
def test_parsed_text_evaluates_like_the_reference(
    node: Node, attribute_sets: list[dict[str, AttributeValue]]
) -> None:
    scope = Scope.parse(render(node))
    assert scope.attribute_names() == _names_of(node)
    for attrs in attribute_sets:
        assert scope.covers(attrs) is reference(node, attrs), attrs


@given(
    expressions,
    st.dictionaries(
        st.one_of(names, st.text(max_size=3)),
        st.one_of(attribute_values, st.lists(st.integers(), max_size=2), st.just(object())),
    ),
)
def test_covers_never_raises(node: Node, attrs: dict[str, Any]) -> None:
    assert isinstance(Scope.parse(render(node)).covers(attrs), bool)
