import pytest


@pytest.mark.django_db
def test_livez_anonymous_answers_ok(client):
    response = client.get("/livez")

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_healthz_all_up_answers_200(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"db": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_redis_unreachable_answers_503_naming_redis(client, settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["db"] == "ok"
    assert body["redis"].startswith("down")


def test_dashboard_employee_sees_page(client, employee):
    client.force_login(employee)

    response = client.get("/")

    assert response.status_code == 200
