"""The guard in tests/conftest.py keeps the unit tests off the network."""

import socket
import urllib.request

import pytest


def test_connecting_outside_loopback_fails():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(OSError, match="must not use the network"):
        s.connect(("93.184.216.34", 80))
    s.close()


def test_resolving_a_host_name_fails():
    with pytest.raises(OSError, match="must not use the network"):
        urllib.request.urlopen("https://example.org", timeout=1)


def test_loopback_is_allowed():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(server.getsockname())
    client.close()
    server.close()
