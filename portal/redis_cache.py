"""Django's Redis cache backend, with one Redis client object per connection pool.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` object (and its table of
response callbacks) for every cache operation, which costs more than the round trip to
Redis for the small values the portal keeps there (sessions above all). The client
objects are safe to reuse: connections come from the pool, which also notices a fork.
"""

import redis  # noqa: F401 (loaded with the backend, not on the first cache call)
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
