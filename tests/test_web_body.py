"""web/body.py: request bodies are size-capped (413), nesting-capped (400, not a
RecursionError) and read only after the token when the route needs one (401)."""

import pytest


def test_bodies_over_the_limit_are_refused(client):
    r = client.post(
        "/api/v1/claims", data=b"[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.get_json()["error"] == "request_entity_too_large"


def test_deep_bodies_and_huge_ids_are_clear_errors(client):
    deep = b"[" * 20_000  # within the size cap, far beyond any JSON parser's recursion
    for path in ("/api/v1/plusk", "/api/v1/claims"):
        r = client.post(
            path,
            data=deep,
            headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
        )
        assert r.status_code == 400 and r.get_json()["param"] == "body", path
    r = client.post(
        "/api/v1/perks/99999999999999999999999/claims",
        json={"account": "local:a"},
        headers={"Authorization": "Bearer x"},
    )
    assert r.status_code == 404
    r = client.get(
        "/api/v1/perks/99999999999999999999999/claims", headers={"Authorization": "Bearer x"}
    )
    assert r.status_code in (401, 404)


def test_the_token_is_checked_before_the_body(client):
    r = client.post("/api/v1/plusk", data=b"not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 401


def test_brackets_inside_strings_are_not_nesting(client):
    """Only arrays and objects count towards the cap: a string full of ``[`` (escaped quotes
    included) is parsed, and the route then judges its value."""
    text = '\\"' + "[" * 40 + "{" * 40
    r = client.post("/api/v1/claims", data=f'{{"account": "{text}"}}'.encode())
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_account_id"


def test_nesting_up_to_the_cap_is_parsed_beyond_it_refused(client):
    from widget.web.body import MAX_DEPTH

    def nested(depth):  # the body object is one level; the value adds the rest
        inner = "[" * (depth - 1) + "]" * (depth - 1)
        return f'{{"account": {inner}}}'.encode()

    r = client.post("/api/v1/claims", data=nested(MAX_DEPTH))
    assert r.status_code == 400 and r.get_json()["param"] == "account"
    r = client.post("/api/v1/claims", data=nested(MAX_DEPTH + 1))
    assert r.status_code == 400 and r.get_json()["param"] == "body"


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"null", b"\xff\xfe{}"])
def test_a_body_that_is_not_a_json_object_is_a_400_naming_the_body(client, raw):
    r = client.post("/api/v1/claims", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.get_json()["param"] == "body" and "JSON object" in r.get_json()["message"]
