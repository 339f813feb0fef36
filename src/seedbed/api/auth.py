"""API authentication lives in ``seedbed.core.api_auth`` so domain apps' routers can use it."""

from seedbed.core.api_auth import API_AUTH, TokenAuth

__all__ = ["API_AUTH", "TokenAuth"]
