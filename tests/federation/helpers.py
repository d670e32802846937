"""A remote actor for the in-process tests, and JSON-LD helpers.

The remote actor signs its requests the way bovine's own ``signed_post``
does (``(request-target) host date digest content-type``, its helpers, its
Date format), which is not the header list our own signer uses.
"""

import copy
import json
import os
import tempfile
from datetime import timezone
from urllib.parse import urlsplit

from bovine.crypto import generate_rsa_public_private_key
from bovine.crypto.helper import content_digest_sha256
from bovine.crypto.http_signature import build_signature
from bovine.crypto.types import CryptographicSecret
from bovine.utils import GMT_STRING
from pyld import jsonld


def _activitystreams_context() -> dict:
    """bovine's copy of the ActivityStreams context.

    Importing ``bovine.jsonld`` opens a cache file in the working directory;
    it is imported from a scratch directory so that nothing lands in the
    repository.
    """
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            from bovine.jsonld import activitystreams_context
        finally:
            os.chdir(here)
    return activitystreams_context


# The terms of https://w3id.org/security/v1 that actors use (a subset of that context,
# with the same definitions).
SECURITY_V1_SUBSET = {
    "id": "@id", "type": "@type",
    "sec": "https://w3id.org/security#",
    "publicKey": {"@id": "sec:publicKey", "@type": "@id"},
    "publicKeyPem": "sec:publicKeyPem",
    "owner": {"@id": "sec:owner", "@type": "@id"},
}
CONTEXTS = {
    # bovine ships a copy of the ActivityStreams 2.0 context (with its "@vocab": "_:").
    "https://www.w3.org/ns/activitystreams": {"@context": _activitystreams_context()},
    "https://w3id.org/security/v1": {"@context": SECURITY_V1_SUBSET},
}


def offline_loader(url, options=None):
    if url not in CONTEXTS:
        raise AssertionError(f"context not available offline: {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": copy.deepcopy(CONTEXTS[url])}


def _leaves(value) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(_leaves(v) for v in value)
    return 1


def _expanded_leaves(value, undefined: list) -> int:
    if isinstance(value, list):
        return sum(_expanded_leaves(v, undefined) for v in value)
    if not isinstance(value, dict):
        return 1
    if "@value" in value:
        return 1
    count = 0
    for key, item in value.items():
        if key == "@id":
            count += 1
        elif key == "@type":
            count += len(item) if isinstance(item, list) else 1
        else:
            if key.startswith("_:"):
                undefined.append(key)
            count += _expanded_leaves(item, undefined)
    return count


def assert_expands_without_loss(document: dict):
    """Expanded with pyld, every value of the document survives under a defined IRI."""
    expanded = jsonld.expand(document, {"documentLoader": offline_loader})
    undefined = []
    assert _expanded_leaves(expanded, undefined) == _leaves(document), \
        json.dumps(expanded, indent=1)
    assert not undefined, f"terms outside any vocabulary: {undefined}"
    return expanded


class RemoteActor:
    """An actor on another server (its documents are served by a fake fetch)."""

    def __init__(self, base="https://remote.example", name="alice", shared_inbox=True):
        self.base = base
        self.id = f"{base}/users/{name}"
        self.key_id = self.id + "#main-key"
        self.inbox = self.id + "/inbox"
        self.shared_inbox = f"{base}/inbox" if shared_inbox else None
        self.public_pem, self.private_pem = generate_rsa_public_private_key()

    def document(self) -> dict:
        doc = {"@context": ["https://www.w3.org/ns/activitystreams",
                            "https://w3id.org/security/v1"],
               "id": self.id, "type": "Person", "preferredUsername": self.id.rsplit("/")[-1],
               "inbox": self.inbox,
               "publicKey": {"id": self.key_id, "owner": self.id,
                             "publicKeyPem": self.public_pem}}
        if self.shared_inbox:
            doc["endpoints"] = {"sharedInbox": self.shared_inbox}
        return doc

    def rotate_key(self):
        self.public_pem, self.private_pem = generate_rsa_public_private_key()

    def signed_headers(self, url: str, body: bytes, now) -> dict:
        parts = urlsplit(url)
        date = now.replace(tzinfo=timezone.utc).strftime(GMT_STRING)
        digest = content_digest_sha256(body)
        helper = (build_signature(parts.netloc, "post", parts.path)
                  .with_field("date", date)
                  .with_field("digest", digest)
                  .with_field("content-type", "application/activity+json"))
        signature = helper.sign_for_http_draft(
            CryptographicSecret.from_pem(self.key_id, self.private_pem))
        return {**helper.headers, "signature": signature}

    def follow(self, target: str, n: int = 1) -> dict:
        return {"@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.id}/follows/{n}", "type": "Follow", "actor": self.id,
                "object": target}

    def undo(self, follow: dict) -> dict:
        return {"@context": "https://www.w3.org/ns/activitystreams",
                "id": follow["id"] + "/undo", "type": "Undo", "actor": self.id,
                "object": follow}


def run_coroutine(coroutine):
    """Run a coroutine to its end in a thread of its own.

    ``asyncio.run`` refuses to start in a thread whose event loop is already
    running, which is the case after Playwright's sync API has run in the same
    test session (the end-to-end tests run before these).
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
