// Sign-in through UserManager: state entries, the callback, what is kept.
import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";

import { UserManager } from "../../scripts/oidc.js";
import { keys } from "../../scripts/storage.js";
import { STATE_PREFIX, STATE_MAX_AGE, DISCOVERY_KEY, DISCOVERY_MAX_AGE, sweepStates } from "../../scripts/flows.js";
import { codes } from "../../scripts/protocol.js";
import { CONFIG, ISSUER, METADATA, SITE, defaultRoutes, installBrowser, jsonResponse, nowSeconds, startSignin } from "./fakes.mjs";

let tab;
let manager;

beforeEach(() => {
  tab = installBrowser({ href: `${SITE}/docs/deep/page/?x=1#part` });
  manager = new UserManager(CONFIG);
});

const stateKeys = () => tab.sessionStorage.keys().filter((key) => key.startsWith(STATE_PREFIX));
const stateEntry = (state) => JSON.parse(tab.sessionStorage.getItem(STATE_PREFIX + state));

/** Come back to the callback page with `query` and complete the sign-in. */
function callback(query) {
  tab.navigate(`${SITE}/callback/?${query}`);
  return manager.signinCallback();
}

const hasCode = (code) => (error) => {
  assert.equal(error.code, code, error.stack);
  return true;
};

describe("signinRedirect", () => {
  test("goes to the authorization endpoint with fresh state, nonce and an S256 challenge", async () => {
    const { url, params } = await startSignin(manager, tab, "/docs/deep/page/?x=1#part");
    assert.equal(url.origin + url.pathname, METADATA.authorization_endpoint);
    assert.equal(params.response_type, "code");
    assert.equal(params.client_id, "client-1");
    assert.equal(params.redirect_uri, `${SITE}/callback/`);
    assert.equal(params.scope, "openid email profile");
    assert.equal(params.code_challenge_method, "S256");
    for (const name of ["state", "nonce", "code_challenge"]) assert.match(params[name], /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(params.state, params.nonce);

    const entry = stateEntry(params.state);
    assert.equal(entry.nonce, params.nonce);
    assert.equal(entry.return_to, "/docs/deep/page/?x=1#part");
    assert.equal(entry.redirect_uri, `${SITE}/callback/`);
    assert.match(entry.code_verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(entry.code_verifier, params.code_challenge);
  });

  test("an unsafe return path is not kept", async () => {
    for (const returnTo of ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/callback/?code=1",
      "/.//evil.example/", "/..//evil.example/", "/%2e//evil.example/", "/a/..//evil.example/"]) {
      const { params } = await startSignin(manager, tab, returnTo);
      assert.equal(stateEntry(params.state).return_to, null, returnTo);
    }
  });

  test("two sign-ins use different state, nonce and verifier", async () => {
    const first = (await startSignin(manager, tab, "/")).params;
    const second = (await startSignin(manager, tab, "/")).params;
    assert.notEqual(first.state, second.state);
    assert.notEqual(first.nonce, second.nonce);
    assert.notEqual(first.code_challenge, second.code_challenge);
    assert.equal(stateKeys().length, 2);
  });

  test("the discovery document is fetched once, then reused until its TTL", async () => {
    await startSignin(manager, tab, "/");
    await startSignin(manager, tab, "/");
    const discoveries = () => tab.requests.filter((r) => r.url.endsWith("/.well-known/openid-configuration")).length;
    assert.equal(discoveries(), 1);
    const cached = JSON.parse(tab.sessionStorage.getItem(DISCOVERY_KEY));
    cached.fetched_at -= DISCOVERY_MAX_AGE + 1;
    tab.sessionStorage.setItem(DISCOVERY_KEY, JSON.stringify(cached));
    await startSignin(manager, tab, "/");
    assert.equal(discoveries(), 2);
  });

  test("an unreachable provider is an error, and no state is left behind", async () => {
    tab.routes = () => {
      throw new TypeError("Failed to fetch");
    };
    await assert.rejects(manager.signinRedirect({ returnTo: "/" }), hasCode(codes.PROVIDER_UNREACHABLE));
    assert.deepEqual(stateKeys(), []);
    assert.deepEqual(tab.assigned, []);
  });

  test("stale state entries are swept, fresh ones kept", async () => {
    const now = nowSeconds();
    tab.sessionStorage.setItem(`${STATE_PREFIX}old`, JSON.stringify({ created_at: now - STATE_MAX_AGE - 1 }));
    tab.sessionStorage.setItem(`${STATE_PREFIX}future`, JSON.stringify({ created_at: now + 3600 }));
    tab.sessionStorage.setItem(`${STATE_PREFIX}broken`, "{not json");
    tab.sessionStorage.setItem(`${STATE_PREFIX}fresh`, JSON.stringify({ created_at: now - 60 }));
    tab.sessionStorage.setItem("unrelated", "kept");
    sweepStates(now);
    assert.deepEqual(stateKeys(), [`${STATE_PREFIX}fresh`]);
    assert.equal(tab.sessionStorage.getItem("unrelated"), "kept");
  });
});

describe("signinCallback", () => {
  test("the callback checks the stored return path again: a scheme-relative one is dropped", async () => {
    for (const planted of ["//evil.example/", "/.//evil.example/", "/%2e//evil.example/", "https://evil.example/"]) {
      const { params } = await startSignin(manager, tab, "/docs/");
      // As a client with a weaker first check (or a script on the page) could have stored it.
      tab.sessionStorage.setItem(STATE_PREFIX + params.state, JSON.stringify({ ...stateEntry(params.state), return_to: planted }));
      const user = await callback(`code=the-code&state=${params.state}`);
      assert.equal(user.returnTo, null, planted);
    }
  });

  test("exchanges the code with its verifier, posts the tokens to the companion, keeps only the profile", async () => {
    const { params } = await startSignin(manager, tab, "/docs/deep/page/?x=1#part");
    const verifier = stateEntry(params.state).code_verifier;
    const loaded = [];
    manager.events.addUserLoaded((user) => loaded.push(user));

    const user = await callback(`code=the-code&state=${params.state}`);

    const token = tab.requests.find((r) => r.url === METADATA.token_endpoint);
    assert.equal(token.method, "POST");
    assert.equal(token.credentials, undefined);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(token.body)), {
      grant_type: "authorization_code",
      code: "the-code",
      redirect_uri: `${SITE}/callback/`,
      client_id: "client-1",
      code_verifier: verifier,
    });

    const companion = tab.requests.find((r) => r.url === `${SITE}/auth/session` && r.method === "POST");
    assert.equal(companion.credentials, "same-origin");
    assert.equal(companion.headers["content-type"], "application/json");
    const posted = JSON.parse(companion.body);
    assert.deepEqual(Object.keys(posted).sort(), ["access_token", "expires_in", "id_token", "refresh_token"]);
    assert.equal(posted.access_token, "access-token-value");
    assert.equal(posted.refresh_token, "refresh-token-value");
    assert.equal(posted.expires_in, 3600);

    assert.equal(user.returnTo, "/docs/deep/page/?x=1#part");
    assert.equal(user.profile.sub, "user-1");
    assert.equal(user.profile.name, "Ada <b>Lovelace</b>");
    assert.deepEqual(user.profile["cognito:groups"], ["admins"]);
    assert.equal(user.profile.username, "ada");
    for (const claim of ["nonce", "at_hash"]) assert.equal(claim in user.profile, false, claim);
    // The companion's session decides (it refreshes the tokens meanwhile).
    assert.ok(Math.abs(user.expires_at - (nowSeconds() + 3000)) <= 1);

    assert.deepEqual(loaded.map((u) => u.profile.sub), ["user-1"]);
    const stored = await manager.getUser();
    assert.equal(stored.profile.sub, "user-1");
    assert.equal("returnTo" in stored, false);
    // Raw tokens are gone from storage once the companion accepted them; a refresh token never was there.
    const everything = tab.sessionStorage.dump() + tab.localStorage.dump();
    for (const secret of ["access-token-value", posted.id_token, "refresh-token-value", "code_verifier"]) {
      assert.equal(everything.includes(secret), false, secret);
    }
    assert.deepEqual(stateKeys(), []);
  });

  test("with browser_tokens the access and ID tokens stay, the refresh token does not", async () => {
    manager = new UserManager({ ...CONFIG, browser_tokens: true });
    const { params } = await startSignin(manager, tab, "/");
    const user = await callback(`code=c&state=${params.state}`);
    assert.equal(user.access_token, "access-token-value");
    assert.match(user.id_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(user.token_type, "Bearer");
    assert.equal("refresh_token" in user, false);
    assert.equal(tab.sessionStorage.dump().includes("refresh-token-value"), false);
  });

  test("removes code and state from the address bar, keeping other parameters", async () => {
    const { params } = await startSignin(manager, tab, "/");
    await callback(`lang=en&code=c&state=${params.state}&session_state=s&iss=${encodeURIComponent(ISSUER)}`);
    assert.equal(location.href, `${SITE}/callback/?lang=en`);
  });

  test("the address bar is cleaned even when the sign-in fails", async () => {
    await assert.rejects(callback("code=c&state=unknown"), hasCode(codes.STATE_NOT_FOUND));
    assert.equal(location.href, `${SITE}/callback/`);
  });

  test("a state entry serves once: the replayed callback URL is refused", async () => {
    const { params } = await startSignin(manager, tab, "/");
    await callback(`code=c&state=${params.state}`);
    // Same response again (a Back to a URL kept elsewhere, another manager, …).
    await assert.rejects(new UserManager(CONFIG).signinCallback(`${SITE}/callback/?code=c&state=${params.state}&again=1`), hasCode(codes.STATE_NOT_FOUND));
    const tokenCalls = tab.requests.filter((r) => r.url === METADATA.token_endpoint).length;
    assert.equal(tokenCalls, 1);
  });

  test("a callback run twice at once completes one sign-in and gives both callers the user", async () => {
    const { params } = await startSignin(manager, tab, "/");
    tab.navigate(`${SITE}/callback/?code=c&state=${params.state}`);
    const href = location.href;
    const [first, second] = await Promise.all([manager.signinCallback(href), new UserManager(CONFIG).signinCallback(href)]);
    assert.equal(first, second);
    assert.equal(tab.requests.filter((r) => r.url === METADATA.token_endpoint).length, 1);
  });

  test("a reload after completion finds no response in the address", async () => {
    const { params } = await startSignin(manager, tab, "/");
    await callback(`code=c&state=${params.state}`);
    await assert.rejects(new UserManager(CONFIG).signinCallback(), hasCode(codes.NO_RESPONSE));
  });

  test("a tampered or unknown state is refused before any token request", async () => {
    await startSignin(manager, tab, "/");
    await assert.rejects(callback("code=c&state=forged"), hasCode(codes.STATE_NOT_FOUND));
    await assert.rejects(callback("code=c"), hasCode(codes.STATE_NOT_FOUND));
    assert.equal(tab.requests.some((r) => r.url === METADATA.token_endpoint), false);
  });

  test("a stale state is refused", async () => {
    const { params } = await startSignin(manager, tab, "/");
    const entry = stateEntry(params.state);
    entry.created_at -= STATE_MAX_AGE + 1;
    tab.sessionStorage.setItem(STATE_PREFIX + params.state, JSON.stringify(entry));
    await assert.rejects(callback(`code=c&state=${params.state}`), hasCode(codes.STATE_NOT_FOUND));
  });

  test("a provider error comes back with its fields, and uses up the state", async () => {
    const { params } = await startSignin(manager, tab, "/");
    const description = "<script>alert(1)</script>";
    await assert.rejects(callback(`error=access_denied&error_description=${encodeURIComponent(description)}&state=${params.state}`), (error) => {
      assert.equal(error.code, codes.PROVIDER_ERROR);
      assert.equal(error.error, "access_denied");
      assert.equal(error.error_description, description);
      return true;
    });
    assert.deepEqual(stateKeys(), []);
  });

  test("a wrong nonce in the ID token is refused and nothing is posted or kept", async () => {
    const { params } = await startSignin(manager, tab, "/");
    tab.routes.state.claims = { nonce: "someone-elses" };
    await assert.rejects(callback(`code=c&state=${params.state}`), (error) => error.code === codes.INVALID_ID_TOKEN && error.claim === "nonce");
    assert.equal(tab.requests.some((r) => r.method === "POST" && r.url === `${SITE}/auth/session`), false);
    assert.equal(await manager.getUser(), null);
  });

  test("an ID token for another client is refused", async () => {
    const { params } = await startSignin(manager, tab, "/");
    tab.routes.state.claims = { aud: "other-client" };
    await assert.rejects(callback(`code=c&state=${params.state}`), (error) => error.claim === "aud");
  });

  test("the companion refusing the tokens is an error with its message, and no user is kept", async () => {
    tab.routes = defaultRoutes({
      [`POST ${SITE}/auth/session`]: () => jsonResponse(401, { error: "invalid_token", message: "The ID token's signature does not verify." }),
    });
    const { params } = await startSignin(manager, tab, "/");
    await assert.rejects(callback(`code=c&state=${params.state}`), (error) => {
      assert.equal(error.code, codes.COMPANION_REFUSED);
      assert.equal(error.message, "The ID token's signature does not verify.");
      assert.equal(error.status, 401);
      return true;
    });
    assert.equal(await manager.getUser(), null);
    assert.equal(tab.sessionStorage.getItem(keys.user), null);
  });

  test("an unreachable token endpoint is PROVIDER_UNREACHABLE", async () => {
    const { params } = await startSignin(manager, tab, "/");
    const routes = tab.routes;
    tab.routes = (request) => {
      if (request.url === METADATA.token_endpoint) throw new TypeError("Failed to fetch");
      return routes(request);
    };
    await assert.rejects(callback(`code=c&state=${params.state}`), (error) => {
      assert.equal(error.code, codes.PROVIDER_UNREACHABLE);
      assert.equal(error.message, "Could not reach the sign-in provider's token endpoint (https://idp.example).");
      // A browser cannot tell a CORS refusal from an outage: the hint names both, and the origin to allow.
      assert.match(error.hint, /CORS settings may not allow this site's origin \(https:\/\/site\.example\) at its token endpoint/);
      return true;
    });
  });

  test("the token endpoint's OAuth error is a provider error", async () => {
    tab.routes = defaultRoutes({
      [`POST ${METADATA.token_endpoint}`]: () => jsonResponse(400, { error: "invalid_grant", error_description: "Code expired" }),
    });
    const { params } = await startSignin(manager, tab, "/");
    await assert.rejects(callback(`code=c&state=${params.state}`), (error) => error.code === codes.PROVIDER_ERROR && error.error === "invalid_grant");
  });

  test("a misconfigured client hears what to change at the provider", async () => {
    for (const [error, fragment] of [
      ["invalid_client", "that the client is public (no client secret)"],
      ["unauthorized_client", "allow the authorization code grant"],
      ["invalid_scope", "change auth.scope"],
    ]) {
      tab.routes = defaultRoutes({
        [`POST ${METADATA.token_endpoint}`]: () => jsonResponse(401, { error, error_description: "as the provider says it" }),
      });
      const { params } = await startSignin(manager, tab, "/");
      await assert.rejects(callback(`code=c&state=${params.state}`), (thrown) => {
        assert.equal(thrown.code, codes.PROVIDER_ERROR);
        assert.equal(thrown.message, "as the provider says it");
        assert.ok(thrown.hint.includes(fragment), thrown.hint);
        return true;
      });
    }
  });

  test("an OAuth error without a known fix carries no hint", async () => {
    tab.routes = defaultRoutes({
      [`POST ${METADATA.token_endpoint}`]: () => jsonResponse(400, { error: "constructor", error_description: "odd" }),
    });
    const { params } = await startSignin(manager, tab, "/");
    await assert.rejects(callback(`code=c&state=${params.state}`), (thrown) => thrown.hint === undefined);
  });

  test("other tabs are told of the sign-in through localStorage, which keeps nothing", async () => {
    const signals = [];
    tab.localStorage.onChange = (change) => signals.push(change);
    const { params } = await startSignin(manager, tab, "/");
    await callback(`code=c&state=${params.state}`);
    const signal = signals.find((change) => change.key === keys.signal);
    assert.equal(JSON.parse(signal.newValue).type, "signin");
    // Left behind: only the "was signed in" flag that lays out the next page.
    assert.deepEqual(tab.localStorage.keys(), [keys.hint]);
    assert.equal(tab.localStorage.getItem(keys.hint), "signed-in");
  });
});
