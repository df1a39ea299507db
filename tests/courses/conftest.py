import pytest

from tests.courses import factories


@pytest.fixture
def alice(client):
    """A partner, logged in with the test client."""
    user = factories.partner(name="앨리스")
    client.force_login(user)
    return user
