"""WeChat through wechatpy, against the real API or the fake one in miniapp_stub/.

wechatpy is synchronous (requests): every call runs in a worker thread via
`asyncio.to_thread`, never on the event loop. The base URLs and the token fetch
are overridden so that the very same client code talks to the fake over HTTP.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatClientException


class WeChatError(Exception):
    """WeChat answered with an errcode (or could not be reached: errcode None)."""

    def __init__(self, errcode: int | None, errmsg: str | None) -> None:
        super().__init__(f"WeChat errcode={errcode} errmsg={errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class _Client(WeChatClient):  # type: ignore[misc]
    """wechatpy's client with every base URL pointed at `api_base`."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout: float) -> None:
        super().__init__(appid, secret, timeout=timeout)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = self.api_base + "/cgi-bin/"
        self.wxa.API_BASE_URL = self.api_base + "/"

    def fetch_access_token(self) -> dict[str, Any]:
        result: dict[str, Any] = self._fetch_access_token(
            url=self.api_base + "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        return result


@dataclass(frozen=True)
class Session:
    openid: str
    unionid: str | None
    session_key: str


class WeChatGateway:
    """The async face of wechatpy used by services."""

    def __init__(self, *, appid: str, secret: str, api_base: str, timeout: float = 5.0) -> None:
        self._client = _Client(appid, secret, api_base, timeout)

    async def code_to_session(self, code: str) -> Session:
        result = await self._call(self._client.wxa.code_to_session, code)
        return Session(
            openid=result["openid"],
            unionid=result.get("unionid"),
            session_key=result["session_key"],
        )

    async def send_subscribe_message(
        self, *, openid: str, template_id: str, data: dict[str, Any], page: str | None = None
    ) -> dict[str, Any]:
        return await self._call(
            self._client.wxa.send_subscribe_message, openid, template_id, data, page
        )

    @staticmethod
    async def _call(func: Any, *args: Any) -> dict[str, Any]:
        try:
            result = await asyncio.to_thread(func, *args)
        except WeChatClientException as exc:
            raise WeChatError(exc.errcode, exc.errmsg) from None
        except OSError as exc:  # connection refused, timeouts from requests
            raise WeChatError(None, type(exc).__name__) from None
        if isinstance(result, dict) and result.get("errcode"):
            raise WeChatError(int(result["errcode"]), result.get("errmsg"))
        return result  # type: ignore[no-any-return]
