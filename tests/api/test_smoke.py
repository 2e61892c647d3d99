from tests.conftest import PASSWORD, adult_dob


def test_sign_up_then_token_then_me(api):
    res = api.call(
        "POST",
        "/auth/signup",
        {
            "handle": "Newbie",
            "display_name": "New Bie",
            "email": "newbie@example.org",
            "password": PASSWORD,
            "date_of_birth": adult_dob().isoformat(),
            "country": "US",
        },
    )
    assert res.status_code == 201, res.json()
    assert res.json()["handle"] == "newbie"
    res = api.call("POST", "/auth/tokens", {"login": "newbie", "password": PASSWORD, "name": "cli"})
    assert res.status_code == 201, res.json()
    api.token = res.json()["token"]
    me = api.call("GET", "/me").json()
    assert me["email"] == "newbie@example.org"
    assert me["home_region"]["code"] == "us"
