from uuid import uuid4

from tests.helpers import Api


async def test_health_is_ok_without_database(api: Api) -> None:
    response = await api.http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"data": {"status": "ok"}}


async def test_viewer_user_is_created_on_first_request(api: Api) -> None:
    user = uuid4()
    data = await api.data("{ viewer { user { uuid } } }", user=user)
    assert data == {"viewer": {"user": {"uuid": str(user)}}}
