"""The byte scanner behind columns.parse_lines: FNV-1a known answers, and the fast parse giving
exactly what the line-by-line reference (json.loads, then from_dicts) gives, on any input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livecart.live.engine import columns as C
from livecart.live.engine import tokens, wire
from livecart.model.events import EVENT_FIELDS, EVENT_TYPES, JOIN_SOURCES, Event
from tests.live.compare import assert_same

STRINGS = {"id", "session_id", "user_id", "text", "sku_id", "order_id", "currency"}
STRINGS |= {"buyer_id", "phase", "market"}
COUNTS = ("count", "quantity", "level", "planned_minutes", "diamonds")
AMOUNTS = ("price", "amount")


def assert_parses_like_reference(data: bytes) -> None:
    try:
        slow = C._parse_slow(data)
    except Exception as e:  # the reference refuses the batch: so must the fast path
        with pytest.raises(type(e)):
            C.parse_lines(data)
        return
    assert_same(C.parse_lines(data), slow)


# --- known answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0xCBF29CE484222325), ("a", 0xAF63DC4C8601EC8C), ("foobar", 0x85944171F73967E8)],
)
def test_fnv1a64_matches_the_published_test_vectors(text, expected):
    assert tokens.hash_strings([text])[0] == np.uint64(expected)
    line = f'{{"id":"{text}","session_id":"S","ts":1,"type":"like"}}'.encode()
    assert C.parse_lines(line).id_hash[0] == np.uint64(expected)


def test_an_escaped_id_hashes_the_decoded_id():
    line = rb'{"id":"\u00e9v\"1\/","session_id":"S","ts":1,"type":"like"}'
    cols = C.parse_lines(line)
    assert cols.id_hash[0] == tokens.hash_strings(['\u00e9v"1/'])[0]
    assert cols.id_hash[0] == C.from_dicts([json.loads(line)]).id_hash[0]


def test_a_timestamp_too_large_for_int64_is_one_malformed_event_not_a_failed_batch():
    good = b'{"id":"a","session_id":"S","ts":5,"type":"like"}\n'
    bad = b'{"id":"b","session_id":"S","ts":99999999999999999999,"type":"like"}\n'
    cols = C.parse_lines(good + bad + good.replace(b'"a"', b'"c"'))
    assert cols.ts.tolist() == [5, 5]
    assert [m.reason for m in cols.malformed] == [
        "event 'b': 'ts' 99999999999999999999 is out of range (milliseconds)"
    ]
    assert_parses_like_reference(good + bad)


def test_raw_utf8_ids_hash_their_bytes_on_the_fast_path():
    line = '{"id":"é-1🎉","session_id":"直播","ts":1,"type":"like"}'.encode()
    assert not len(wire.scan_lines(line, C._LAYOUT).slow)
    cols = C.parse_lines(line)
    assert cols.id_hash[0] == tokens.hash_strings(["é-1🎉"])[0]
    assert cols.session_id.tolist() == ["直播"]


# --- what takes the fast path -----------------------------------------------------------------


def _every_type_events() -> list[Event]:
    full = {
        "user_id": "u1",
        "source": "ads",
        "text": 'héllo \u2028 "there"\n',
        "count": 3,
        "diamonds": 5,
        "sku_id": "K1",
        "order_id": "O1",
        "quantity": 2,
        "price": 19.9,
        "currency": "USD",
        "buyer_id": "b1",
        "amount": 12.5,
        "phase": "warm-up",
        "level": 7,
        "planned_minutes": 90,
        "market": "US",
    }
    out = []
    for k, (t, (req, opt)) in enumerate(EVENT_FIELDS.items()):
        kw = {f: full[f] for f in (*req, *opt)}
        out.append(Event(id=f"e{k}", session_id="S1", ts=1_764_615_600_000 + k, type=t, **kw))
    return out


def test_events_as_sources_write_them_take_the_fast_path():
    events = _every_type_events()
    data = "".join(e.to_json() + "\n" for e in events).encode()
    data += b"".join(json.dumps(e.to_dict()).encode() + b"\r\n" for e in events[:3])
    assert len(wire.scan_lines(data, C._LAYOUT).slow) == 0
    assert_same(C.parse_lines(data), C._parse_slow(data))
    assert len(C.parse_lines(data)) == len(events) + 3


def test_lines_alike_but_for_spacing_or_keys_all_take_the_fast_path():
    """The scanner reuses what a line's keys looked like last time: text that only starts the
    same way must still be read on its own."""
    events = _every_type_events()
    out = []
    for k, e in enumerate(events * 4):
        d = e.to_dict()
        if k % 3 == 1:
            out.append(json.dumps(d))  # ", " and ": "
        elif k % 3 == 2:
            out.append(json.dumps(dict(reversed(d.items())), separators=(",", ":")))
        else:
            out.append(e.to_json())
        out.append(json.dumps(d, separators=(" ,", " : ")))
    data = "\n".join(out).encode()
    assert len(wire.scan_lines(data, C._LAYOUT).slow) == 0
    assert_same(C.parse_lines(data), C._parse_slow(data))


@pytest.mark.parametrize(
    "line",
    [
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":null}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":true}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":1.0}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":-1}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":-0}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":01}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":"3"}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":[3]}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":99999999999999999999}',
        '{"id":"a","session_id":"S","ts":1.5,"type":"like"}',
        '{"id":"a","session_id":"S","ts":-5,"type":"like"}',
        '{"id":"a","session_id":"S","ts":9223372036854775807,"type":"like"}',
        '{"id":"a","session_id":"S","ts":9223372036854775808,"type":"like"}',
        '{"id":"a","session_id":"S","ts":1,"type":"nope"}',
        '{"id":"a","session_id":"S","ts":1,"type":"lik\\u0065"}',
        '{"id":"a","session_id":"S","ts":1,"type":"join","source":"elsewhere"}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","source":"elsewhere"}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","source":"ads"}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","source":5}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","id":"b"}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","bogus":1}',
        '{"\\u0069d":"a","session_id":"S","ts":1,"type":"like"}',
        '{"id":"a","session_id":"S","ts":1}',
        '{"id":5,"session_id":"S","ts":1,"type":"like"}',
        '{"id":"a","session_id":"S","ts":1,"type":"order","sku_id":"K","quantity":1}',
        '{"id":"a","session_id":"S","ts":1,"type":"order","count":2,"order_id":"o","sku_id":"K",'
        '"quantity":1,"price":0,"currency":"USD"}',
        '{"id":"a","session_id":"S","ts":1,"type":"stock","sku_id":"K","level":0}',
        '{"id":"a","session_id":"S","ts":1,"type":"gift","diamonds":-3}',
        '{"id":"a","session_id":"S","ts":1,"type":"comment","text":"bad \\x escape"}',
        '{"id":"a","session_id":"S","ts":1,"type":"comment","text":"\\ud83d\\ude00 \\ud800"}',
        '{"id":"a","session_id":"S","ts":1,"type":"comment","text":"tab\there"}',
        '{"id":"a","session_id":"S","ts":1,"type":"comment","text":{"a":1}}',
        ' \t{ "id" : "a" , "session_id" :"S","ts": 1 ,"type":"like" } \t',
        '{"id":"a","session_id":"S","ts":1,"type":"like"} x',
        '{"id":"a","session_id":"S","ts":1,"type":"like",}',
        '{"id":"a","session_id":"S","ts":1,"type":"like"',
        '{"id":"a","session_id":"S","ts":1,"type":"like"}}',
        "[1, 2]",
        '"just a string"',
        "42",
        "{}",
        "\x0b",
        "\ufeff" + '{"id":"a","session_id":"S","ts":1,"type":"like"}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":NaN}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","ts":2}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","session_id":"T"}',
        '{"id":"a","session_id":"S","ts":1,"type":"like","count":Infinity}',
    ],
)
def test_unusual_lines_parse_as_the_reference_does(line):
    """Each goes to the careful path, or comes out of the scanner as the reference has it."""
    good = '{"id":"g","session_id":"S","ts":2,"type":"viewers","count":4}'
    assert_parses_like_reference(f"{good}\n{line}\n{good}".encode())
    assert_parses_like_reference(line.encode())


@pytest.mark.parametrize(
    "number",
    ["19.9", "19.90", "0.1", "0.30000000000000004", "1e2", "1E+2", "1.5e-7", "2.5e22",
     "9007199254740993", "9007199254740993.0", "123456789012345678", "1234567890123456789",
     "0.000000000000000000001", "1e-400", "1e400", "0e5", "0.0", "0", "4.35", "1e23",
     "1.7976931348623157e308", "5e-324", "1.", ".5", "1e", "-0.0", "-1.5", "00.5"],
)  # fmt: skip
def test_prices_convert_exactly_as_python_float_does(number):
    line = (
        '{"id":"a","session_id":"S","ts":1,"type":"order","order_id":"o","sku_id":"K",'
        f'"quantity":1,"price":{number},"currency":"USD"}}'
    )
    assert_parses_like_reference(line.encode())


@pytest.mark.parametrize(
    "raw",
    [b"\xc0\x80", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf0\x9f\x8e",
     b"\xff", b"\x80", b"\xc3", b"\xc3\xa9", b"\xf0\x9f\x8e\x89", b"\xef\xbf\xbf"],
)  # fmt: skip
@pytest.mark.parametrize("field", ["id", "session_id", "sku_id", "text"])
def test_bytes_that_are_not_utf8_parse_as_the_reference_does(raw, field):
    line = b'{"id":"a","session_id":"S","ts":1,"type":"pin","sku_id":"K","text":"t"}'
    line = line.replace(b'"%s":"' % field.encode(), b'"%s":"x%sy' % (field.encode(), raw))
    assert_parses_like_reference(line)


def test_many_distinct_strings_and_careful_lines_keep_their_order():
    rng = np.random.default_rng(3)
    lines = []
    for k in range(5000):
        if k % 37 == 0:
            lines.append(f'{{"id":"x{k}","session_id":null,"ts":{k},"type":"like"}}')
        elif k % 41 == 0:
            lines.append(f'{{"id":"y\\u0031{k}","session_id":"R{k}","ts":{k},"type":"pin",'
                         f'"sku_id":"K{k % 7}"}}')  # fmt: skip
        else:
            lines.append(
                f'{{"id":"e{k}","session_id":"R{rng.integers(0, 3000)}","ts":{k},'
                f'"type":"product_click","sku_id":"K{k}","currency":"C{k % 300}"}}'
            )
    data = "\n".join(lines).encode()
    assert_same(C.parse_lines(data), C._parse_slow(data))


def test_blank_and_empty_input_give_empty_columns():
    for data in (b"", b"\n", b"  \n\t\r\n", b"\r\r\n\n"):
        assert_same(C.parse_lines(data), C.empty())


# --- the property: fast and reference agree on anything ---------------------------------------

json_ws = st.sampled_from(["", "", "", " ", "\t", "  "])


@st.composite
def json_string(draw, value: str) -> str:
    """``value`` as a JSON string: as json.dumps writes it, or with characters escaped at
    random."""
    how = draw(st.integers(0, 5))
    if how:
        return json.dumps(value, ensure_ascii=how == 1)
    out = []
    for ch in value:
        how = draw(st.integers(0, 3))
        if ch in '"\\' or ord(ch) < 0x20 or how == 0:
            out.append(json.dumps(ch)[1:-1] if how else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


plain = st.sampled_from("abcK-_ /.:é直🎉\u2028")
text = st.text(plain | plain | plain | st.characters(blacklist_categories=("Cs",)), max_size=8)


@st.composite
def number_text(draw, nonneg: bool, integer: bool) -> str:
    if integer or draw(st.booleans()):
        big = draw(st.integers(0, 5)) == 0
        return str(draw(st.integers(0 if nonneg else -(10**13), 10**19 if big else 10**6)))
    x = draw(st.floats(0 if nonneg else -1e6, 1e25, allow_nan=False))
    style = draw(st.integers(0, 5)) % 4
    digits = draw(st.integers(0, 17))
    if style == 0:
        return repr(x)
    if style == 1:
        return f"{x:.{digits}f}"
    if style == 2:
        return f"{x:.{digits}e}".replace("e+", draw(st.sampled_from(["e+", "E", "e"])))
    return f"{x:.{digits}g}"


@st.composite
def value_text(draw, name: str) -> str:
    if name in STRINGS:
        return draw(json_string(draw(text)))
    if name == "ts":
        return str(draw(st.integers(-(10**13), 2**63 - 1)))
    if name == "type":
        return draw(json_string(draw(st.sampled_from(EVENT_TYPES))))
    if name == "source":
        return draw(json_string(draw(st.sampled_from(JOIN_SOURCES))))
    return draw(number_text(nonneg=True, integer=name in COUNTS))


BAD_VALUES = ["null", "true", "false", "[]", "[1]", '{"a":1}', '"x"', "-1", "-0.5", "1.5",
              '"nope"', "1e999", '"\\x"', '"a\tb"', "01", "", "NaN"]  # fmt: skip


ODD_BYTES = [b"\0", b"\t", b"\x0b", b'"', b"\\", b"\x80", b"\xc3", b"\xff", b"\xc0\x80",
             b"\xed\xa0\x80", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\xf0\x9f\x8e"]  # fmt: skip


@st.composite
def event_line(draw) -> bytes:
    etype = draw(st.sampled_from(EVENT_TYPES))
    req, opt = EVENT_FIELDS[etype]
    names = ["id", "session_id", "ts", "type", *req]
    names += draw(st.lists(st.sampled_from(opt), unique=True)) if opt else []
    if draw(st.integers(0, 9)) == 0:  # a field of another type: accepted as it is
        names.append(draw(st.sampled_from(sorted(set(Event.__dataclass_fields__) - set(names)))))
    names = draw(st.permutations(names))
    pairs = [[json.dumps(n), draw(value_text(n))] for n in names]
    pairs[names.index("type")][1] = json.dumps(etype)
    mutation = draw(st.integers(0, 12))
    if mutation == 1:  # a wrong or unusual value
        draw(st.sampled_from(pairs))[1] = draw(st.sampled_from(BAD_VALUES))
    elif mutation == 2:  # a field left out
        pairs.pop(draw(st.integers(0, len(pairs) - 1)))
    elif mutation == 3:  # a repeated key (the last one counts) or an unknown one
        again = draw(st.sampled_from([*names, "bogus"]))
        pairs.append([json.dumps(again), draw(value_text(again)) if again != "bogus" else "1"])
    elif mutation == 4:
        pairs[names.index("type")][1] = draw(json_string(draw(text)))
    ws = [draw(json_ws) for _ in range(4 * len(pairs) + 2)]
    body = ",".join(f"{ws[4 * k]}{key}{ws[4 * k + 1]}:{ws[4 * k + 2]}{val}{ws[4 * k + 3]}"
                    for k, (key, val) in enumerate(pairs))  # fmt: skip
    line = (ws[-2] + "{" + body + "}" + ws[-1]).encode()
    if mutation == 5:  # truncated
        line = line[: draw(st.integers(0, len(line)))]
    elif mutation == 6:  # a byte changed (bad UTF-8, a control byte, a stray quote ...)
        k = draw(st.integers(0, max(len(line) - 1, 0)))
        line = line[:k] + draw(st.sampled_from(ODD_BYTES)) + line[k + 1 :]
    elif mutation == 7:
        line = draw(st.sampled_from([b"", b"   ", b"[1]", b"42", b'"x"', b"{}", b"\x0c", b"}"]))
    return line


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(event_line(), max_size=12),
    st.lists(st.sampled_from([b"\n", b"\r\n", b"\n", b"\r", b"\n\n"]), min_size=12, max_size=12),
    st.booleans(),
)
def test_fast_and_reference_parsing_agree_on_any_input(lines, ends, final_newline):
    data = b"".join(line + end for line, end in zip(lines, ends, strict=False))
    if not final_newline:
        data = data.rstrip(b"\r\n")
    assert_parses_like_reference(data)
