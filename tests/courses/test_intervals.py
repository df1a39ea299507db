import itertools

from hypothesis import given
from hypothesis import strategies as st

from courses.intervals import intervals_merge, intervals_parse, intervals_total

spans = st.lists(
    st.tuples(st.floats(0, 200, allow_nan=False), st.floats(0, 200, allow_nan=False)).map(
        lambda pair: (min(pair), max(pair))
    ),
    max_size=20,
)


@given(spans, spans)
def test_merge_is_order_independent_and_idempotent(first, second):
    once = intervals_merge(existing=[], new=first + second, limit=150)
    stepwise = intervals_merge(
        existing=intervals_merge(existing=[], new=first, limit=150), new=second, limit=150
    )
    again = intervals_merge(existing=once, new=first + second, limit=150)
    assert abs(intervals_total(once) - intervals_total(stepwise)) < 0.01
    assert again == once
    assert intervals_total(once) <= 150
    for (_, end), (start, _) in itertools.pairwise(once):
        assert end < start


def test_overlapping_reports_count_once():
    merged = intervals_merge(existing=[[0, 10]], new=[(5, 15), (5, 15), (0, 10)], limit=100)
    assert merged == [[0, 15]]
    assert intervals_total(merged) == 15


def test_parse_rejects_garbage():
    assert intervals_parse("0-5.5,7-9") == [(0, 5.5), (7, 9)]
    assert intervals_parse("") == []
    for bad in ["5-1", "a-b", "1", "nan-5", "0-inf", ",".join(["0-1"] * 51), "-1-2"]:
        try:
            intervals_parse(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")
