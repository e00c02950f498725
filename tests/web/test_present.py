import pytest

from assetmap.web.present import how_to_join, safe_url

from ..factories import make_activity


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"venue": "Sale Library"}, "Just turn up"),
        ({"venue": "Sale Library", "description": "Booking is essential as places are limited."}, "Call first"),
        ({"venue": "Sale Library", "capacity": "waiting_list"}, "Call first"),
        ({"venue": "Sale Library", "capacity": "referral_needed"}, "Needs a referral — ask your GP or link worker"),
        ({"venue": None, "address": None, "delivery": ["telephone"]}, "Call first"),
    ],
)
def test_how_to_join_says_call_first_whenever_the_record_hints_at_it(overrides, expected):
    assert how_to_join(make_activity(**overrides)) == expected


@pytest.mark.parametrize("url, expected", [("https://a.example.org", "https://a.example.org"), ("javascript:alert(1)", None),
                                           ("JaVaScRiPt:alert(1)", None), ("data:text/html,x", None), ("", None)])
def test_only_http_links_are_rendered(url, expected):
    assert safe_url(url) == expected
