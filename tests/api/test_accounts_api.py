import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ..accounts.test_avatars import png_bomb
from ..conftest import PASSWORD, ApiClient, adult_dob


def signup_body(**overrides):
    body = {
        "handle": "newbie",
        "display_name": "New Bie",
        "email": "newbie@example.org",
        "password": PASSWORD,
        "date_of_birth": adult_dob().isoformat(),
    }
    body.update(overrides)
    return body


def assert_error(res, status, code, field=None):
    assert res.status_code == status, res.content
    body = res.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if field:
        assert field in body["error"]["fields"], body


def assert_retry_after(res, window):
    """A 429 says how many seconds remain of the limit's window, as a positive integer."""
    assert res["Retry-After"].isdigit(), res.headers
    assert 0 < int(res["Retry-After"]) <= window


def png_bytes(size=(64, 48)):
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, format="PNG")
    return buf.getvalue()


class TestSignUpApi:
    def test_created(self, api):
        res = api.call("POST", "/auth/signup", signup_body())
        assert res.status_code == 201
        assert res.json()["handle"] == "newbie"
        assert "email" not in res.json()

    @pytest.mark.parametrize(
        ("overrides", "code", "field"),
        [
            ({"handle": "admin"}, "handle_reserved", "handle"),
            ({"date_of_birth": "2099-01-01"}, "date_of_birth_in_future", "date_of_birth"),
            ({"email": "nope"}, "email_invalid", "email"),
            ({"password": "123"}, "password_weak", "password"),
            ({"date_of_birth": "not-a-date"}, "validation_failed", "date_of_birth"),
        ],
    )
    def test_bad_input(self, api, overrides, code, field):
        assert_error(api.call("POST", "/auth/signup", signup_body(**overrides)), 400, code, field)

    def test_under_13(self, api):
        dob = adult_dob(12).isoformat()
        res = api.call("POST", "/auth/signup", signup_body(date_of_birth=dob))
        assert_error(res, 400, "too_young", "date_of_birth")
        assert "13" in res.json()["error"]["message"]

    def test_duplicate_handle_in_other_case(self, api, person):
        assert_error(
            api.call("POST", "/auth/signup", signup_body(handle="ALICE")),
            409,
            "handle_taken",
            "handle",
        )

    def test_missing_field(self, api):
        body = signup_body()
        del body["email"]
        assert_error(api.call("POST", "/auth/signup", body), 400, "validation_failed", "email")

    @pytest.mark.parametrize("raw", ["{not json", "[1, 2", "\x00\xff", "handle=x"])
    def test_body_that_is_not_json(self, api, raw):
        res = api.post("/api/v1/auth/signup", raw, content_type="application/json")
        assert_error(res, 400, "invalid_json")

    def test_rate_limited(self, api, settings):
        settings.TOWNHALL_AUTH_RATE = 2
        for i in range(2):
            api.call("POST", "/auth/signup", signup_body(handle=f"user{i}", email=f"u{i}@x.org"))
        res = api.call("POST", "/auth/signup", signup_body())
        assert_error(res, 429, "rate_limited")
        assert_retry_after(res, settings.TOWNHALL_AUTH_RATE_WINDOW)


class TestTokensApi:
    def test_with_credentials_then_list_and_revoke(self, api, person):
        res = api.call(
            "POST", "/auth/tokens", {"login": "alice", "password": PASSWORD, "name": "cli"}
        )
        assert res.status_code == 201
        created = res.json()
        authed = ApiClient(token=created["token"])
        listed = authed.call("GET", "/tokens").json()
        assert [t["name"] for t in listed] == ["cli"]
        assert "token" not in listed[0]
        res = authed.call("DELETE", f"/tokens/{created['id']}")
        assert res.status_code == 200
        assert res.json()["active"] is False
        # A revoked token no longer authenticates.
        assert_error(authed.call("GET", "/me"), 401, "not_authenticated")

    def test_rate_limited_with_credentials(self, api, person, settings):
        settings.TOWNHALL_AUTH_RATE = 2
        body = {"login": "alice", "password": "nope", "name": "x"}
        for _ in range(2):
            assert_error(api.call("POST", "/auth/tokens", body), 401, "invalid_credentials")
        res = api.call("POST", "/auth/tokens", {**body, "password": PASSWORD})
        assert_error(res, 429, "rate_limited")
        assert_retry_after(res, settings.TOWNHALL_AUTH_RATE_WINDOW)

    def test_wrong_credentials(self, api, person):
        res = api.call("POST", "/auth/tokens", {"login": "alice", "password": "nope", "name": "x"})
        assert_error(res, 401, "invalid_credentials")

    def test_without_auth(self, api):
        assert_error(api.call("GET", "/me"), 401, "not_authenticated")
        assert_error(api.call("GET", "/tokens"), 401, "not_authenticated")

    def test_garbage_bearer(self, api):
        api.token = "th_uk_0000_garbage"
        assert_error(api.call("GET", "/me"), 401, "not_authenticated")

    def test_empty_name(self, api_as, person):
        assert_error(
            api_as(person).call("POST", "/tokens", {"name": "  "}), 400, "token_name_invalid"
        )

    def test_cannot_revoke_another_users_token(self, api_as, person, make_person):
        client = api_as(person)
        mine = client.call("POST", "/tokens", {"name": "mine"}).json()
        other = api_as(make_person())
        assert_error(other.call("DELETE", f"/tokens/{mine['id']}"), 404, "token_not_found")
        # The target token is untouched: listed as active, and it still authenticates.
        (listed,) = [t for t in client.call("GET", "/tokens").json() if t["id"] == mine["id"]]
        assert listed["active"] is True
        assert listed["revoked_at"] is None
        assert ApiClient(token=mine["token"]).call("GET", "/me").json()["handle"] == person.handle


class TestMeApi:
    def test_me_shows_my_protected_data_and_region(self, api_as, make_person):
        account = make_person("sgperson", country="SG")
        me = api_as(account).call("GET", "/me").json()
        assert me["email"] == "sgperson@example.org"
        assert me["home_region"] == {
            "code": "sg",
            "name": "Singapore",
            "jurisdiction": "SG",
            "jurisdiction_name": "Singapore",
        }
        assert me["age_band"] == "adult"

    def test_update_profile(self, api_as, person):
        res = api_as(person).call("PATCH", "/me", {"bio": "Hello", "link": "https://example.org/x"})
        assert res.status_code == 200
        assert res.json()["bio"] == "Hello"
        person.refresh_from_db()
        assert person.link == "https://example.org/x"

    @pytest.mark.parametrize(
        ("body", "code", "field"),
        [
            # Over a length the document declares: refused before the service sees it.
            ({"bio": "x" * 161}, "validation_failed", "bio"),
            ({"link": "javascript:alert(1)"}, "link_scheme", "link"),
            ({"display_name": ""}, "display_name_required", "display_name"),
        ],
    )
    def test_update_bad_input_changes_nothing(self, api_as, person, body, code, field):
        assert_error(api_as(person).call("PATCH", "/me", {"bio": "kept", **body}), 400, code, field)
        person.refresh_from_db()
        assert person.bio == ""

    def test_another_users_token_cannot_edit_my_profile(self, api_as, person, make_person):
        mallory = api_as(make_person("mallory"))
        # /me is always the token's own account...
        mallory.call("PATCH", "/me", {"bio": "mallory was here"})
        person.refresh_from_db()
        assert person.bio == ""
        # ...and a person's profile is not reachable through the organisation endpoints.
        res = mallory.call("PATCH", "/organisations/alice", {"bio": "hacked"})
        assert_error(res, 404, "organisation_not_found")
        person.refresh_from_db()
        assert person.bio == ""

    def test_password_change(self, api_as, person):
        client = api_as(person)
        res = client.call(
            "POST",
            "/me/password",
            {"old_password": PASSWORD, "new_password": "another fine passphrase"},
        )
        assert res.status_code == 204
        res = client.call(
            "POST",
            "/me/password",
            {"old_password": "wrong", "new_password": "another fine passphrase"},
        )
        assert_error(res, 400, "password_incorrect", "old_password")

    def test_public_profile(self, api, person):
        res = api.call("GET", "/accounts/ALICE")
        assert res.status_code == 200
        assert res.json()["handle"] == "alice"
        assert "email" not in res.json()
        assert_error(api.call("GET", "/accounts/nobody"), 404, "account_not_found")


class TestAvatarApi:
    def upload(self, client, name, data, content_type="image/png"):
        return client.post(
            "/api/v1/me/avatar",
            {"avatar": SimpleUploadedFile(name, data, content_type=content_type)},
            HTTP_AUTHORIZATION=f"Bearer {client.token}",
        )

    def test_upload(self, api_as, person):
        res = self.upload(api_as(person), "me.png", png_bytes())
        assert res.status_code == 200
        assert res.json()["avatar_url"].endswith(".webp")

    def test_not_an_image(self, api_as, person):
        res = self.upload(api_as(person), "me.png", b"this is text, not a picture")
        assert_error(res, 400, "not_an_image", "avatar")
        person.refresh_from_db()
        assert person.avatar == ""

    def test_truncated_image(self, api_as, person):
        data = png_bytes((400, 400))
        res = self.upload(api_as(person), "me.png", data[: len(data) // 2])
        assert_error(res, 400, "image_corrupt", "avatar")

    def test_too_many_pixels(self, api_as, person):
        """Under Pillow's bomb alarm, over TOWNHALL_AVATAR_MAX_PIXELS: 400, nothing decoded."""
        res = self.upload(api_as(person), "big.png", png_bomb(7000, 7000))
        assert_error(res, 400, "image_too_large", "avatar")
        assert "7000×7000" in res.json()["error"]["message"]
        person.refresh_from_db()
        assert person.avatar == ""

    def test_missing_file(self, api_as, person):
        client = api_as(person)
        res = client.post("/api/v1/me/avatar", {}, HTTP_AUTHORIZATION=f"Bearer {client.token}")
        assert_error(res, 400, "validation_failed", "avatar")


class TestSessionAuth:
    def test_session_requires_csrf(self, person):
        client = Client(enforce_csrf_checks=True)
        client.force_login(person, backend="townhall.accounts.backends.RegionBackend")
        assert client.get("/api/v1/me").status_code == 200
        res = client.patch("/api/v1/me", {"bio": "x"}, content_type="application/json")
        assert_error(res, 403, "csrf_failed")


def test_unknown_api_path_answers_in_the_error_shape(api):
    res = api.call("GET", "/no/such/thing")
    assert_error(res, 404, "not_found")
    assert_error(api.get("/api/v2/anything"), 404, "not_found")


def test_wrong_method_answers_in_the_error_shape(api):
    res = api.put("/api/v1/auth/signup", "{}", content_type="application/json")
    assert_error(res, 405, "method_not_allowed")
    assert "POST" in res["Allow"]
