"""An independent ActivityPub follower for the two-server tests, built on bovine.

Everything on this side comes from bovine (installed from PyPI), not from
cryptoparty: WebFinger lookup (``lookup_with_webfinger``), signed POSTs
(``SignedHttpClient``, which signs ``(request-target) host date digest
content-type``) and the verification of what it receives
(``build_validate_http_signature_raw``: bovine's SignatureChecker, with its
own Digest check and its own 5-minute Date window), fetching our actor's key
over HTTP itself. Every delivery is also checked with ``httpsig`` (another
implementation of the same draft, on pycryptodome), so that a mistake shared
by bovine's signer and verifier could not go unnoticed. It runs an aiohttp
server on a loopback port, in a thread.
"""

import asyncio
import json
import threading
import time

import aiohttp
from aiohttp import web
from bovine.clients.lookup_account import lookup_with_webfinger
from bovine.clients.signed_http import SignedHttpClient
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier
from httpsig.verify import HeaderVerifier

from tests.live_server import free_port

AS = "https://www.w3.org/ns/activitystreams"


class BovineFollower:
    def __init__(self, name="follower"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.id = f"{self.base}/users/{name}"
        self.key_id = self.id + "#main-key"
        self.public_pem, self.private_pem = generate_rsa_public_private_key()
        self.received = []  # (activity, signer verified by bovine or None, httpsig's verdict)
        self._keys = {}
        self.actor_fetches = []  # who fetched the actor document (verified signer or None)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner = None
        self._validate = build_validate_http_signature_raw(self._retrieve_key)

    # Its own documents ---------------------------------------------------------

    def actor_document(self):
        return {"@context": [AS, "https://w3id.org/security/v1"], "id": self.id,
                "type": "Person", "preferredUsername": "follower",
                "inbox": self.id + "/inbox", "outbox": self.id + "/outbox",
                "endpoints": {"sharedInbox": self.base + "/inbox"},
                "publicKey": {"id": self.key_id, "owner": self.id,
                              "publicKeyPem": self.public_pem}}

    async def _actor(self, request):
        # Like GoToSocial (or Mastodon's authorized fetch): only signed fetches are answered.
        fetcher = await self._validate(request.method, str(request.url), request.headers, None)
        self.actor_fetches.append(fetcher)
        if not fetcher:
            return web.Response(status=401)
        return web.json_response(self.actor_document(), content_type="application/activity+json")

    async def _retrieve_key(self, key_id):
        async with aiohttp.ClientSession() as session:
            async with session.get(key_id, headers={"accept": "application/activity+json"}) as r:
                data = await r.json(content_type=None)
        self._keys[key_id] = data["publicKey"]["publicKeyPem"]
        return CryptographicIdentifier.from_public_key(data["publicKey"])

    async def _inbox(self, request):
        body = await request.read()

        async def get_body():
            return body

        signer = await self._validate(request.method, str(request.url), request.headers,
                                      get_body)
        httpsig_ok = False
        if signer:
            key_id = signer + "#main-key"
            httpsig_ok = HeaderVerifier(
                dict(request.headers), self._keys[key_id], method="POST", path=request.path_qs,
                required_headers=["(request-target)", "host", "date", "digest"],
                sign_header="signature").verify()
        self.received.append((json.loads(body), signer, httpsig_ok))
        return web.Response(status=202 if signer and httpsig_ok else 401)

    # Life ----------------------------------------------------------------------

    def _run(self, coroutine, timeout=30):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def start(self):
        self._thread.start()

        async def start():
            app = web.Application()
            app.router.add_get("/users/follower", self._actor)
            app.router.add_post("/inbox", self._inbox)
            app.router.add_post("/users/follower/inbox", self._inbox)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._run(start())
        return self

    def stop(self):
        if self._runner is not None:
            self._run(self._runner.cleanup())
            self._runner = None

    def close(self):
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    # What it does ------------------------------------------------------------------

    def lookup(self, server_url, handle):
        async def lookup():
            async with aiohttp.ClientSession() as session:
                return await lookup_with_webfinger(session, f"{server_url}/.well-known/webfinger",
                                                   {"resource": f"acct:{handle}"})
        return self._run(lookup())

    def send(self, target_actor, activity):
        """POST ``activity`` to the target actor's inbox, signed by bovine; the status."""
        async def send():
            async with aiohttp.ClientSession() as session:
                async with session.get(target_actor,
                                       headers={"accept": "application/activity+json"}) as r:
                    inbox = (await r.json(content_type=None))["inbox"]
                client = SignedHttpClient(session, self.key_id, self.private_pem)
                response = await client.post(inbox, json.dumps(activity))
                return response.status
        return self._run(send())

    def follow_activity(self, target_actor, n=1):
        return {"@context": AS, "id": f"{self.id}/follows/{n}", "type": "Follow",
                "actor": self.id, "object": target_actor}

    def wait_for(self, kind, count=1, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [(a, s, h) for a, s, h in self.received if a.get("type") == kind]
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no {kind} received; got {[r[0].get('type') for r in self.received]}")
