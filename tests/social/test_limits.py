"""The social rate settings: read as "N/S", refused at start-up otherwise, applied per key."""

from __future__ import annotations

import pytest

from townhall.errors import RateLimited
from townhall.social.limits import rate_check, rate_of, social_rates_valid


def test_the_defaults_read_as_a_number_in_a_window() -> None:
    assert rate_of("comment") == (10, 60)
    assert social_rates_valid() == []


@pytest.mark.parametrize("value", ["ten/60", "10", "0/60", "10/0", "-1/60", "10/60/5", ""])
def test_a_rate_that_is_not_n_per_s_is_a_start_up_error(settings, value) -> None:
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "like": value}
    errors = social_rates_valid()
    assert [e.id for e in errors] == ["townhall.E010"]
    assert "TOWNHALL_RATE_LIKE" in errors[0].msg


def test_a_burst_beyond_the_rate_is_refused_with_the_wait(settings) -> None:
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "share": "2/30"}
    rate_check("share", "7")
    rate_check("share", "7")
    with pytest.raises(RateLimited) as refused:
        rate_check("share", "7")
    assert 1 <= refused.value.retry_after <= 30
    rate_check("share", "8")  # another key has its own count
