"""Unit tests never touch the network: any connection to a non-loopback address fails loudly. And none leaves
this process's environment changed: the session's model cache and executed-notebook folders live in it, and a
test that pointed ``COURSE_MODEL_CACHE`` elsewhere would make every later run in its worker train from scratch."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest


@pytest.fixture(autouse=True)
def environment_unchanged():
    """Fail a test that leaves ``os.environ`` otherwise than it found it (defined first, so it
    wraps every monkeypatch, whose changes are undone before this looks)."""
    before = dict(os.environ)
    yield
    after = dict(os.environ)
    changed = sorted(
        k
        for k in before.keys() | after.keys()
        if before.get(k) != after.get(k) and k != "PYTEST_CURRENT_TEST"
    )
    if changed:
        for k in changed:
            os.environ.pop(k, None) if k not in before else os.environ.__setitem__(k, before[k])
        pytest.fail(f"the test left these environment variables changed: {', '.join(changed)}")


_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:  # a host name: resolving it would already be network access
            loopback = False
        if not loopback:
            raise OSError(f"tests must not use the network (tried to connect to {address!r})")
    return _real_connect(self, address)


_real_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost", "127.0.0.1", "::1", "0.0.0.0", ""):
        try:
            ipaddress.ip_address(host)
        except ValueError as err:
            raise OSError(f"tests must not use the network (tried to resolve {host!r})") from err
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
