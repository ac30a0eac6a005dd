"""Parsing cron text: standard meaning, and errors that name the field."""

from __future__ import annotations

import pytest

from app.errors import InvalidCron
from app.schedules import CronExpression


@pytest.mark.parametrize(
    ("text", "minutes", "hours", "doms", "months", "dows"),
    [
        ("* * * * *", range(60), range(24), range(1, 32), range(1, 13), range(7)),
        ("0 9 * * 1-5", [0], [9], range(1, 32), range(1, 13), [1, 2, 3, 4, 5]),
        ("*/15 */6 * * *", [0, 15, 30, 45], [0, 6, 12, 18], range(1, 32), range(1, 13), range(7)),
        ("5-20/5 1,2,3 1-10/3 */4 *", [5, 10, 15, 20], [1, 2, 3], [1, 4, 7, 10], [1, 5, 9], range(7)),
        ("10/20 5/6 28/2 11/1 *", [10, 30, 50], [5, 11, 17, 23], [28, 30], [11, 12], range(7)),
        ("0 0 * jan,JUL * ", [0], [0], range(1, 32), [1, 7], range(7)),
        ("0 0 * Feb-Apr Mon-Fri", [0], [0], range(1, 32), [2, 3, 4], [1, 2, 3, 4, 5]),
        ("0 0 * * 7", [0], [0], range(1, 32), range(1, 13), [0]),
        ("0 0 * * 0,7", [0], [0], range(1, 32), range(1, 13), [0]),
        ("0 0 * * 5-7", [0], [0], range(1, 32), range(1, 13), [0, 5, 6]),
        ("0 0 * * sat-7", [0], [0], range(1, 32), range(1, 13), [0, 6]),
        ("0 0 * * */2", [0], [0], range(1, 32), range(1, 13), [0, 2, 4, 6]),
        ("0 0 * * 1/2", [0], [0], range(1, 32), range(1, 13), [0, 1, 3, 5]),  # 1-7/2: 7 is Sunday
        ("07 09 01 01 00", [7], [9], [1], [1], [0]),
        ("0\t12  *  *\t*", [0], [12], range(1, 32), range(1, 13), range(7)),
    ],
)
def test_fields_parse_to_their_standard_sets(text, minutes, hours, doms, months, dows):
    expr = CronExpression.parse(text)
    assert expr.minutes == frozenset(minutes)
    assert expr.hours == frozenset(hours)
    assert expr.doms == frozenset(doms)
    assert expr.months == frozenset(months)
    assert expr.dows == frozenset(dows)


@pytest.mark.parametrize(
    ("macro", "same_as"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
        ("@HOURLY", "0 * * * *"),
    ],
)
def test_macros_expand_to_five_fields(macro, same_as):
    expr, plain = CronExpression.parse(macro), CronExpression.parse(same_as)
    assert expr.text == macro
    assert expr.fields == plain.fields
    assert (expr.minutes, expr.hours, expr.doms, expr.months, expr.dows) == (
        plain.minutes,
        plain.hours,
        plain.doms,
        plain.months,
        plain.dows,
    )


@pytest.mark.parametrize(
    ("text", "dom_star", "dow_star", "wild"),
    [
        ("0 9 1 * 1", False, False, False),
        ("0 9 * * 1", True, False, False),
        ("0 9 */2 * 1", True, False, False),  # Vixie: a leading "*" marks DOM_STAR, step or not
        ("0 9 1 * */2", False, True, False),
        ("0 9 1-31 * 1", False, False, False),  # every day, but not "*": the OR rule applies
        ("*/15 * * * *", True, True, True),
        ("0 * * * *", True, True, True),
        ("30 */2 * * *", True, True, True),
        ("* 9 * * *", True, True, True),
        ("30 2 * * *", True, True, False),
        ("0 1-5 * * *", True, True, False),  # only a leading "*" is a wildcard (HR_STAR)
        ("0,30 2,3 * * *", True, True, False),
    ],
)
def test_star_flags_follow_vixie(text, dom_star, dow_star, wild):
    expr = CronExpression.parse(text)
    assert (expr.dom_star, expr.dow_star, expr.wild) == (dom_star, dow_star, wild)


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("61 * * * *", "minute", "minute value 61 is out of range 0-59"),
        ("* 24 * * *", "hour", "hour value 24 is out of range 0-23"),
        ("* * 0 * *", "day-of-month", "day-of-month value 0 is out of range 1-31"),
        ("* * 32 * *", "day-of-month", "day-of-month value 32 is out of range 1-31"),
        ("* * * 13 *", "month", "month value 13 is out of range 1-12"),
        ("* * * 0 *", "month", "month value 0 is out of range 1-12"),
        ("* * * * 8", "day-of-week", "day-of-week value 8 is out of range 0-7"),
        ("* * * * mon-8", "day-of-week", "out of range 0-7"),
        ("x * * * *", "minute", "minute value 'x' is not a number"),
        ("* * * foo *", "month", "month value 'foo' is not a number or a name"),
        ("* * * * funday", "day-of-week", "day-of-week value 'funday' is not a number or a name"),
        ("* jan * * *", "hour", "hour value 'jan' is not a number"),
        ("*/0 * * * *", "minute", "minute step '0'"),
        ("*/x * * * *", "minute", "minute step 'x'"),
        ("5-1 * * * *", "minute", "range '5-1' runs backwards"),
        ("* * * * fri-mon", "day-of-week", "range 'fri-mon' runs backwards"),
        ("1,,2 * * * *", "minute", "value '' is not a number"),
        ("-1 * * * *", "minute", "value '' is not a number"),
        ("L * * * *", "minute", "value 'L' is not a number"),
        ("* * L * *", "day-of-month", "value 'L' is not a number"),
        ("* * * * 1#2", "day-of-week", "value '1#2' is not a number or a name"),
        ("? * * * *", "minute", "value '?' is not a number"),
        ("٣ * * * *", "minute", "is not a number"),
        ("* * * *", "expression", "expected 5 fields"),
        ("* * * * * *", "expression", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"),
        ("", "expression", "got 0"),
        ("   ", "expression", "got 0"),
        ("@reboot", "expression", "@reboot is not supported"),
        ("@every 5m", "expression", "unknown macro"),
        ("@fortnightly", "expression", "unknown macro"),
        ("0 0 30 2 *", "day-of-month", "day-of-month 30 never occurs in month 2, so it would never run"),
        ("0 0 31 4,6,9,11 *", "day-of-month", "never occurs"),
        ("0 0 30,31 feb *", "day-of-month", "never occurs"),
        ("0 0 31 2 */2", "day-of-month", "never occurs"),  # DOW_STAR: both must match
    ],
)
def test_invalid_expressions_name_the_field(text, field, says):
    with pytest.raises(InvalidCron) as caught:
        CronExpression.parse(text)
    assert caught.value.field == field
    assert says in caught.value.message
    assert caught.value.details == {"field": field, "value": " ".join(text.split())}


def test_message_names_the_expression_and_the_problem():
    with pytest.raises(InvalidCron) as caught:
        CronExpression.parse("61 * * * *")
    assert caught.value.message == "Invalid cron expression '61 * * * *': minute value 61 is out of range 0-59"


@pytest.mark.parametrize(
    "text",
    [
        "0 0 29 2 *",  # leap years only, but it does fire
        "0 0 30 2 1",  # both restricted: still fires on Mondays in February
        "0 0 */30 2 *",  # DOM_STAR step: {1, 31}, and the 1st exists
    ],
)
def test_rare_but_possible_dates_are_accepted(text):
    CronExpression.parse(text)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0 9 * * 1-5", "0 9 * * 1-5"),
        ("0 9 * * 0,7", "0 9 * * 0"),
        ("0 9 * * 5-7", "0 9 * * 5-7"),
        ("0 9 * * sat,sun", "0 9 * * 6,7"),
        ("0 9 * * */2", "0 9 * * 2,4,6,7"),
        ("0 9 * * 0,1,6", "0 9 * * 0,1,6"),
        ("@weekly", "0 0 * * 0"),
    ],
)
def test_canonical_form_spells_out_day_of_week(text, canonical):
    assert CronExpression.parse(text).canonical() == canonical
