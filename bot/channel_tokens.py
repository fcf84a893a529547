"""The Bot Framework's tokens on Teams' requests, checked without blocking the event loop.

botframework-connector 4.17 fetches the OpenID metadata and the signing keys with a blocking
`requests.get` without a timeout, from inside the event loop: a slow key endpoint froze every
request and `/healthz` with it, a hanging one the whole process (SIGTERM included), a failed
fetch was an HTTP 500 and was tried again on every request, and a token naming the emulator's
issuer made it fetch Microsoft's emulator metadata. So for a bot with credentials the token is
checked here instead, as botframework's `ChannelValidation` does, and the result handed back to
botbuilder as its own `ClaimsIdentity`:

- `SigningKeys` fetches the metadata and the key set with aiohttp under one timeout, one fetch at
  a time however many requests wait, keeps them, and refreshes them daily in the background (the
  old keys serve meanwhile). An unknown key id fetches again at most every five minutes. After a
  failure, the next fetch waits 10 s, doubling to 10 minutes; requests get 401 meanwhile.
- `ChannelTokenValidator` accepts a Bearer token only from the Bot Framework's channel issuer
  (an emulator's or a skill's token is refused, nothing fetched), signed RS256/384/512 by a key of
  the set that, if the set says whom it endorses, endorses Teams and the activity's channel; for
  this app (`aud`), unexpired (`exp` is required; five minutes' clock skew, as botframework), and
  for the activity's service URL.

A refusal is a `TokenRefused` (a `PermissionError`, which the adapter answers with 401) whose
message says why without the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

log = logging.getLogger(__name__)

CHANNEL_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER  # https://api.botframework.com
PUBLIC_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
ALGORITHMS = tuple(AuthenticationConstants.ALLOWED_SIGNING_ALGORITHMS)
CLOCK_SKEW_SECONDS = 5 * 60
TEAMS = "msteams"
FETCH_TIMEOUT_SECONDS = 10.0
REFRESH_AFTER_SECONDS = 24 * 3600.0
UNKNOWN_KEY_REFETCH_SECONDS = 5 * 60.0
RETRY_AFTER_SECONDS = 10.0
MAX_RETRY_AFTER_SECONDS = 10 * 60.0
_AAD_ISSUERS = (
    "https://sts.windows.net/",
    "https://login.microsoftonline.com/",
    "https://login.microsoftonline.us/",
)


class TokenRefused(PermissionError):
    """The request is not authenticated; the message says why (never the token)."""


class KeysUnavailable(Exception):
    """The signing keys have not been fetched (yet, or since a failure)."""


@dataclass(frozen=True)
class SigningKey:
    key: Any  # the public key, as PyJWT takes it
    endorsements: frozenset[str]  # empty: the key set does not say whom the key endorses


def parse_key_set(jwks: Any) -> dict[str, SigningKey]:
    """The usable keys of a JWKS document by key id; others (no kid, unknown type) are left out."""
    keys: dict[str, SigningKey] = {}
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        try:
            jwk = jwt.PyJWK(entry)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
        endorsements = entry.get("endorsements")
        named = (
            frozenset(e for e in endorsements if isinstance(e, str))
            if isinstance(endorsements, list)
            else frozenset()
        )
        keys[entry["kid"]] = SigningKey(jwk.key, named)
    return keys


class SigningKeys:
    """The Bot Framework's signing keys, fetched from its OpenID metadata (see module doc)."""

    def __init__(
        self,
        metadata_url: str = PUBLIC_METADATA_URL,
        *,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        refresh_after: float = REFRESH_AFTER_SECONDS,
        retry_after: float = RETRY_AFTER_SECONDS,
        max_retry_after: float = MAX_RETRY_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.metadata_url = metadata_url
        self._timeout = timeout
        self._refresh_after = refresh_after
        self._retry_after = retry_after
        self._max_retry_after = max_retry_after
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at = -math.inf  # when the keys were last fetched
        self._next_attempt = -math.inf  # no fetch before this (after failures)
        self._failures = 0
        self._problem = "not fetched yet"
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def start(self) -> None:
        """Fetch the keys in the background now, so the first request need not wait."""
        self._fetch_in_background()

    async def close(self) -> None:
        """Stop a fetch under way (its waiting requests get 401) and close the HTTP session."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, key_id: str) -> SigningKey | None:
        """The key with this id, or None if the key set has none; `KeysUnavailable` if there
        is no key set to look in."""
        if not self._keys:
            await self._fetch_now()
        elif self._clock() - self._fetched_at >= self._refresh_after:
            self._fetch_in_background()
        key = self._keys.get(key_id)
        if key is None and self._clock() - self._fetched_at >= UNKNOWN_KEY_REFETCH_SECONDS:
            with contextlib.suppress(KeysUnavailable):  # the keys may have rolled over
                await self._fetch_now()
            key = self._keys.get(key_id)
        return key

    def _fetch_in_background(self) -> None:
        if self._task is None and not self._closed and self._clock() >= self._next_attempt:
            self._task = asyncio.get_running_loop().create_task(self._fetch())

    async def _fetch_now(self) -> None:
        if self._closed:
            raise KeysUnavailable("shutting down")
        self._fetch_in_background()
        task = self._task
        if task is None:  # waiting after a failure
            wait = self._next_attempt - self._clock()
            raise KeysUnavailable(f"{self._problem}; next try in {max(wait, 0):.0f} s")
        try:
            await asyncio.shield(task)  # a request that goes away does not stop the fetch
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
            raise KeysUnavailable("shutting down") from None
        if not self._keys:
            raise KeysUnavailable(self._problem)

    async def _fetch(self) -> None:
        """One fetch; never raises (a background task's exception would be logged with a stack)."""
        try:
            keys = await self._download()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure to get usable keys: unreachable, slow, not JSON, no keys
            self._failures += 1
            delay = min(self._retry_after * 2 ** (self._failures - 1), self._max_retry_after)
            self._next_attempt = self._clock() + delay
            self._problem = _describe(exc, self._timeout)
            log.warning(
                "the Bot Framework's signing keys could not be fetched from %s: %s; next try in %.0f s%s",
                self.metadata_url, self._problem, delay,
                ", the keys fetched before are used meanwhile" if self._keys else ", requests get 401 meanwhile",
            )  # fmt: skip
        else:
            self._keys, self._fetched_at = keys, self._clock()
            self._failures, self._next_attempt = 0, -math.inf
            log.info("fetched %d Bot Framework signing keys from %s", len(keys), self.metadata_url)
        finally:
            if self._task is asyncio.current_task():
                self._task = None

    async def _download(self) -> dict[str, SigningKey]:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=True)  # proxies as requests honoured them
        async with asyncio.timeout(self._timeout):
            metadata = await self._get_json(self.metadata_url)
            jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
            if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
                raise ValueError("the OpenID metadata names no jwks_uri")
            keys = parse_key_set(await self._get_json(jwks_uri))
        if not keys:
            raise ValueError("the key set holds no usable key")
        return keys

    async def _get_json(self, url: str) -> Any:
        assert self._session is not None
        async with self._session.get(url, headers={"Accept": "application/json"}) as response:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status} from {url}")
            return await response.json(content_type=None)


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0][:200]}" if text else exc.__class__.__name__


class ChannelTokenValidator:
    """Teams' requests to this app, authenticated (see module doc)."""

    def __init__(self, app_id: str, keys: SigningKeys) -> None:
        self.app_id = app_id
        self.keys = keys

    async def identity(self, activity: Activity, auth_header: str | None) -> ClaimsIdentity:
        if not auth_header:
            raise TokenRefused("no Authorization header")
        scheme, _, token = auth_header.partition(" ")
        if scheme != "Bearer" or not token or " " in token:
            raise TokenRefused("the Authorization header is not one Bearer token")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenRefused("the token cannot be read") from None
        issuer = unverified.get("iss")
        if issuer != CHANNEL_ISSUER:
            if isinstance(issuer, str) and issuer.startswith(_AAD_ISSUERS):
                raise TokenRefused(
                    "a token from the Bot Framework Emulator or a skill; only Teams is accepted"
                )
            raise TokenRefused("the token is not issued by the Bot Framework")
        algorithm, key_id = header.get("alg"), header.get("kid")
        if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
            raise TokenRefused("the token's signing algorithm is not allowed")
        if not isinstance(key_id, str) or not key_id:
            raise TokenRefused("the token names no signing key")
        try:
            key = await self.keys.get(key_id)
        except KeysUnavailable as exc:
            raise TokenRefused(f"the Bot Framework's signing keys are unavailable ({exc})") from None
        if key is None:
            raise TokenRefused("the token is signed with a key the Bot Framework does not publish")
        if key.endorsements:
            for channel in {TEAMS, activity.channel_id or TEAMS}:
                if channel not in key.endorsements:
                    raise TokenRefused(f"the signing key is not endorsed for channel {channel[:40]!r}")
        try:
            claims = jwt.decode(
                token, key.key, algorithms=[algorithm], audience=self.app_id, issuer=CHANNEL_ISSUER,
                leeway=CLOCK_SKEW_SECONDS, options={"require": ["exp", "iss", "aud"]},
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"the token is not valid for this bot ({exc})") from None
        service_url = claims.get("serviceurl")
        if not isinstance(service_url, str) or not service_url or service_url != activity.service_url:
            raise TokenRefused("the token's serviceurl is not the activity's")
        return ClaimsIdentity(claims, True)
