"""Helpers shared by the integration test modules."""
import pytest
import redis


def make_other_type(r, key):
    """Creates key holding some non-string type (whichever type module exists),
    or skips the test while Vesper has none."""
    for args in (("RPUSH", key, "x"), ("SADD", key, "x"), ("HSET", key, "f", "v"),
                 ("ZADD", key, "1", "x"), ("XADD", key, "*", "f", "v")):
        try:
            r.execute_command(*args)
            return
        except redis.ResponseError as e:
            if "unknown command" not in str(e):
                raise
    pytest.skip("no non-string type available yet")
