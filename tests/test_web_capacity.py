"""Scale-out pieces inside one app: the cap on asks in flight, trusted proxies, shared limits."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.web_fakes import FakeAssistant, web_settings
from web import create_app


class HeldAssistant(FakeAssistant):
    """Answers only when released: keeps asks in flight for as long as a test needs."""

    def __init__(self, settings, release: threading.Event, started: threading.Semaphore):  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.release, self.started = release, started

    def ask(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.started.release()
        assert self.release.wait(timeout=30)
        return super().ask(*args, **kwargs)


def test_asks_past_the_cap_get_503_at_once_while_pages_still_answer(
    build_dir: Path, tmp_path: Path
) -> None:
    settings = web_settings(build_dir, tmp_path / "db.sqlite3", max_asks_in_flight=2)
    release, started = threading.Event(), threading.Semaphore(0)
    app = create_app(settings, assistant=HeldAssistant(settings, release, started))
    results: list[int] = []

    def ask() -> None:
        response = app.test_client().post(
            "/api/ask", json={"question": "What is adultification?"}, buffered=True
        )  # buffered: the response is closed, as every WSGI server closes it
        results.append(response.status_code)

    holders = [threading.Thread(target=ask) for _ in range(2)]
    for thread in holders:
        thread.start()
    for _ in holders:
        assert started.acquire(timeout=10)  # both places are taken
    client = app.test_client()
    turned_away = client.post(
        "/api/ask", json={"question": "What is adultification?"}, buffered=True
    )
    assert turned_away.status_code == 503
    assert turned_away.headers["Retry-After"] == "5"
    assert "as many questions as it can" in turned_away.get_json()["error"]
    assert client.get("/healthz").status_code == 200  # pages do not take a place
    release.set()
    for thread in holders:
        thread.join(timeout=30)
    assert results == [200, 200]
    again = client.post("/api/ask", json={"question": "What is adultification?"}, buffered=True)
    assert again.status_code == 200  # places are given back, the refused one's too


def test_a_streamed_answer_holds_its_place_until_the_stream_ends(
    build_dir: Path, tmp_path: Path
) -> None:
    from tests.web_fakes import csrf_token

    settings = web_settings(build_dir, tmp_path / "db.sqlite3", max_asks_in_flight=1)
    app = create_app(settings, assistant=FakeAssistant(settings))
    client = app.test_client()
    token = csrf_token(client)
    stream = client.post(
        "/api/ask/stream",
        json={"question": "What is adultification?"},
        headers={"X-CSRFToken": token},
        buffered=False,
    )
    assert stream.status_code == 200
    other = app.test_client().post(
        "/api/ask", json={"question": "What is adultification?"}, buffered=True
    )
    assert other.status_code == 503  # the open stream still holds the only place
    assert "event: answer" in stream.get_data(as_text=True)
    stream.close()
    after = client.post("/api/ask", json={"question": "What is adultification?"}, buffered=True)
    assert after.status_code == 200


def test_forwarded_headers_are_believed_only_from_the_named_proxy(
    build_dir: Path, tmp_path: Path
) -> None:
    settings = web_settings(
        build_dir, tmp_path / "db.sqlite3", trusted_proxy="10.0.0.5", rate_limit="1/minute"
    )
    app = create_app(settings, assistant=FakeAssistant(settings))
    client = app.test_client()

    def ask(remote: str, forwarded: str) -> int:
        return client.post(
            "/api/ask",
            json={"question": "What is adultification?"},
            headers={"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": remote},
        ).status_code

    assert ask("10.0.0.5", "203.0.113.1") == 200
    assert ask("10.0.0.5", "203.0.113.2") == 200  # a different client behind the proxy
    assert ask("10.0.0.5", "203.0.113.1") == 429
    assert ask("192.0.2.9", "203.0.113.3") == 200  # direct client: its own address counts...
    assert ask("192.0.2.9", "203.0.113.4") == 429  # ...whatever it claims to be
    response = client.get(
        "/healthz", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": "10.0.0.5"}
    )
    assert response.headers.get("Strict-Transport-Security")  # https believed from the proxy
    response = client.get(
        "/healthz",
        headers={"X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "192.0.2.9"},
    )
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.services
def test_two_apps_sharing_redis_share_one_rate_limit(
    build_dir: Path, tmp_path: Path, redis_url: str
) -> None:
    storage = f"{redis_url.rsplit('/', 1)[0]}/1"
    import redis

    redis.Redis.from_url(storage).flushdb()
    apps = [
        create_app(s, assistant=FakeAssistant(s))
        for s in (
            web_settings(
                build_dir, tmp_path / f"db{n}.sqlite3", rate_limit="3/minute",
                rate_limit_storage_uri=storage,
            )
            for n in range(2)
        )
    ]  # fmt: skip
    codes = [
        apps[n % 2].test_client().post("/api/ask", json={"question": "What is adultification?"})
        for n in range(5)
    ]
    assert [c.status_code for c in codes] == [200, 200, 200, 429, 429]
    separate = web_settings(build_dir, tmp_path / "db9.sqlite3", rate_limit="3/minute")
    alone = create_app(separate, assistant=FakeAssistant(separate)).test_client()
    assert alone.post("/api/ask", json={"question": "What is adultification?"}).status_code == 200


def test_the_json_api_checks_an_answerer_choice(build_dir: Path, tmp_path: Path) -> None:
    settings = web_settings(build_dir, tmp_path / "db.sqlite3")
    client = create_app(settings, assistant=FakeAssistant(settings)).test_client()
    bad = client.post("/api/ask", json={"question": "What is adultification?", "generator": "gpt"})
    assert bad.status_code == 400
    assert bad.get_json()["errors"][0]["field"] == "generator"


def test_an_unreachable_redis_falls_back_to_counting_in_memory(
    build_dir: Path, tmp_path: Path
) -> None:
    from tests.services import free_port

    settings = web_settings(
        build_dir,
        tmp_path / "db.sqlite3",
        rate_limit="2/minute",
        rate_limit_storage_uri=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
    )
    client = create_app(settings, assistant=FakeAssistant(settings)).test_client()
    codes = [
        client.post("/api/ask", json={"question": "What is adultification?"}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]  # questions still answered, and still limited
