// The user between sign-in and sign-out: expiry, the companion session, other tabs, sign-out.
import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";

import { UserManager } from "../../scripts/oidc.js";
import { keys } from "../../scripts/storage.js";
import { STATE_PREFIX } from "../../scripts/flows.js";
import { codes } from "../../scripts/protocol.js";
import { CONFIG, ISSUER, METADATA, SITE, defaultRoutes, installBrowser, jsonResponse, nowSeconds } from "./fakes.mjs";

let tab;
let manager;

beforeEach(() => {
  tab = installBrowser({ href: `${SITE}/page/` });
  manager = new UserManager(CONFIG);
});

const keepUser = (user) => tab.sessionStorage.setItem(keys.user, JSON.stringify(user));
const companionUser = { sub: "user-1", username: "ada", email: "ada@example.com", name: "Ada", groups: ["admins"] };

describe("getUser", () => {
  test("returns the stored user while it has not expired", async () => {
    keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() + 60 });
    assert.equal((await manager.getUser()).profile.sub, "u1");
  });

  test("an expired user counts as signed out and is removed", async () => {
    keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() - 1 });
    assert.equal(await manager.getUser(), null);
    assert.equal(tab.sessionStorage.getItem(keys.user), null);
  });

  test("an expired user raises user-unloaded once, so islands showing it clear", async () => {
    keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() - 1 });
    let unloaded = 0;
    manager.events.addUserUnloaded(() => unloaded++);
    assert.equal(await manager.getUser(), null);
    assert.equal(await manager.getUser(), null);
    assert.equal(unloaded, 1);
  });

  test("a user without expiry, or unreadable, counts as signed out", async () => {
    keepUser({ profile: { sub: "u1" } });
    assert.equal(await manager.getUser(), null);
    tab.sessionStorage.setItem(keys.user, "{oops");
    assert.equal(await manager.getUser(), null);
  });

  test("removeUser forgets the user and raises user-unloaded", async () => {
    keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() + 60 });
    let unloaded = 0;
    const listener = () => unloaded++;
    manager.events.addUserUnloaded(listener);
    await manager.removeUser();
    assert.equal(await manager.getUser(), null);
    manager.events.removeUserUnloaded(listener);
    await manager.removeUser();
    assert.equal(unloaded, 1);
  });
});

describe("loadSession (the companion's cookie session)", () => {
  test("a session found becomes the user and raises user-loaded", async () => {
    const expires_at = nowSeconds() + 600;
    tab.routes = defaultRoutes({ [`GET ${SITE}/auth/session`]: () => jsonResponse(200, { user: { ...companionUser, expires_at } }) });
    const loaded = [];
    manager.events.addUserLoaded((user) => loaded.push(user));
    const user = await manager.loadSession();
    assert.deepEqual(user, { profile: companionUser, expires_at });
    assert.deepEqual(await manager.getUser(), user);
    assert.deepEqual(loaded, [user]);
    assert.equal(tab.requests.at(-1).credentials, "same-origin");
    assert.equal(tab.localStorage.getItem(keys.hint), "signed-in");
  });

  test("signed out ({user: null}) removes this tab's user, which the companion no longer confirms", async () => {
    keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() + 600 });
    tab.localStorage.setItem(keys.hint, "signed-in");
    let unloaded = 0;
    manager.events.addUserUnloaded(() => unloaded++);
    assert.equal(await manager.loadSession(), null);
    assert.equal(await manager.getUser(), null);
    assert.equal(unloaded, 1);
    assert.equal(tab.localStorage.getItem(keys.hint), null);
  });

  test("a server error, a wrong answer or no network: rejected, and the user is kept (unknown is not signed out)", async () => {
    keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() + 600 });
    tab.routes = () => jsonResponse(503, { error: "session_store_unavailable", message: "x" });
    await assert.rejects(manager.loadSession(), /HTTP 503/);
    tab.routes = () => jsonResponse(200, { sub: "u1" });
    await assert.rejects(manager.loadSession(), /did not answer/);
    tab.routes = () => {
      throw new TypeError("Failed to fetch");
    };
    await assert.rejects(manager.loadSession(), TypeError);
    assert.equal((await manager.getUser()).profile.sub, "u1");
  });
});

describe("other tabs", () => {
  const signal = (type) => tab.dispatch("storage", { key: keys.signal, newValue: JSON.stringify({ type, at: Date.now() }) });

  test("a sign-in elsewhere makes this tab load the companion session", async () => {
    const expires_at = nowSeconds() + 600;
    tab.routes = defaultRoutes({ [`GET ${SITE}/auth/session`]: () => jsonResponse(200, { user: { ...companionUser, expires_at } }) });
    const loaded = new Promise((resolve) => manager.events.addUserLoaded(resolve));
    signal("signin");
    assert.equal((await loaded).profile.name, "Ada");
    assert.equal((await manager.getUser()).profile.sub, "user-1");
  });

  test("a sign-out elsewhere clears this tab's user and raises user-unloaded", async () => {
    keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() + 60 });
    let unloaded = 0;
    manager.events.addUserUnloaded(() => unloaded++);
    signal("signout");
    assert.equal(await manager.getUser(), null);
    assert.equal(unloaded, 1);
  });

  test("other keys, removals and garbage are ignored", async () => {
    keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() + 60 });
    tab.dispatch("storage", { key: "something.else", newValue: JSON.stringify({ type: "signout" }) });
    tab.dispatch("storage", { key: keys.signal, newValue: null });
    tab.dispatch("storage", { key: keys.signal, newValue: "{garbage" });
    assert.equal((await manager.getUser()).profile.sub, "u1");
    assert.equal(tab.requests.length, 0);
  });
});

describe("signoutRedirect", () => {
  const signedIn = (extra = {}) => keepUser({ profile: { sub: "u1" }, expires_at: nowSeconds() + 600, ...extra });

  test("ends the companion session first, with JSON content type and the cookie", async () => {
    signedIn();
    await manager.signoutRedirect();
    const [first] = tab.requests;
    assert.equal(first.method, "DELETE");
    assert.equal(first.url, `${SITE}/auth/session`);
    assert.equal(first.credentials, "same-origin");
    assert.equal(first.headers["content-type"], "application/json");
  });

  test("clears the user, state entries and the tab's companion check, tells other tabs", async () => {
    signedIn();
    tab.sessionStorage.setItem(`${STATE_PREFIX}abc`, JSON.stringify({ created_at: nowSeconds() }));
    tab.sessionStorage.setItem(keys.returned, JSON.stringify("/page/"));
    const signals = [];
    tab.localStorage.onChange = (change) => signals.push(change);
    let unloaded = 0;
    manager.events.addUserUnloaded(() => unloaded++);
    await manager.signoutRedirect();
    const left = tab.sessionStorage.keys().filter((key) => key !== "atoll.oidc.discovery");
    assert.deepEqual(left, []);
    assert.equal(unloaded, 1);
    assert.equal(JSON.parse(signals[0].newValue).type, "signout");
  });

  test("everywhere: DELETE with ?everywhere=1", async () => {
    signedIn();
    await manager.signoutRedirect({ everywhere: true });
    const [first] = tab.requests;
    assert.equal(first.method, "DELETE");
    assert.equal(first.url, `${SITE}/auth/session?everywhere=1`);
  });

  test("Cognito: to <cognito_domain>/logout with client_id and logout_uri, no discovery needed", async () => {
    manager = new UserManager({ ...CONFIG, cognito_domain: "https://x.auth.eu-west-1.amazoncognito.com" });
    signedIn();
    await manager.signoutRedirect();
    assert.equal(tab.assigned.at(-1), `https://x.auth.eu-west-1.amazoncognito.com/logout?client_id=client-1&logout_uri=${encodeURIComponent(`${SITE}/bye/`)}`);
    assert.equal(tab.requests.some((r) => r.url.startsWith(ISSUER)), false);
  });

  test("standard provider: end_session_endpoint with id_token_hint when a token is kept", async () => {
    manager = new UserManager({ ...CONFIG, browser_tokens: true });
    signedIn({ id_token: "the.id.token" });
    await manager.signoutRedirect();
    const url = new URL(tab.assigned.at(-1));
    assert.equal(url.origin + url.pathname, METADATA.end_session_endpoint);
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      id_token_hint: "the.id.token",
      post_logout_redirect_uri: `${SITE}/bye/`,
      client_id: "client-1",
    });
  });

  test("standard provider, tokens dropped: no id_token_hint", async () => {
    signedIn();
    await manager.signoutRedirect();
    const url = new URL(tab.assigned.at(-1));
    assert.equal(url.searchParams.has("id_token_hint"), false);
    assert.equal(url.searchParams.get("post_logout_redirect_uri"), `${SITE}/bye/`);
  });

  test("provider unreachable or without end_session_endpoint: straight to post_logout_path", async () => {
    tab.routes = defaultRoutes({ [`GET ${ISSUER}/.well-known/openid-configuration`]: () => jsonResponse(200, { ...METADATA, end_session_endpoint: undefined }) });
    await manager.signoutRedirect();
    assert.equal(tab.assigned.at(-1), `${SITE}/bye/`);

    tab = installBrowser({ href: `${SITE}/page/` });
    const routes = tab.routes;
    tab.routes = (request) => {
      if (request.url.startsWith(ISSUER)) throw new TypeError("Failed to fetch");
      return routes(request);
    };
    await new UserManager(CONFIG).signoutRedirect();
    assert.equal(tab.assigned.at(-1), `${SITE}/bye/`);
  });

  test("a companion that will not end the session stops the sign-out, keeping the user", async () => {
    signedIn();
    tab.routes = defaultRoutes({ [`DELETE ${SITE}/auth/session`]: () => jsonResponse(403, { error: "bad_origin", message: "Origin not allowed." }) });
    await assert.rejects(manager.signoutRedirect(), (error) => error.code === codes.COMPANION_REFUSED && /Origin not allowed/.test(error.message));
    assert.deepEqual(tab.assigned, []);
    assert.equal((await manager.getUser()).profile.sub, "u1");
  });

  test("a session already gone (401) still signs out", async () => {
    signedIn();
    tab.routes = defaultRoutes({ [`DELETE ${SITE}/auth/session`]: () => jsonResponse(401, { error: "no_session", message: "x" }) });
    await manager.signoutRedirect();
    assert.equal(await manager.getUser(), null);
    assert.equal(tab.assigned.length, 1);
  });
});
