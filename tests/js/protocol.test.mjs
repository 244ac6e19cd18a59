// The pure parts of the client: PKCE, randomness, request URLs, response and claim checks.
import { test, describe } from "node:test";
import assert from "node:assert/strict";

import {
  codes,
  OidcError,
  base64url,
  randomToken,
  calculateCodeChallenge,
  authorizationUrl,
  validateAuthResponse,
  processDiscoveryResponse,
  processTokenResponse,
  processCompanionResponse,
  processCompanionLogout,
  decodeJwtPayload,
  validateIdTokenClaims,
  logoutUrl,
  safeReturnPath,
} from "../../scripts/protocol.js";
import { CONFIG, ISSUER, METADATA, SITE, jsonResponse, makeJwt } from "./fakes.mjs";

const rejectsWith = (code, extra = {}) => (error) => {
  assert.ok(error instanceof OidcError, `expected an OidcError, got ${error}`);
  assert.equal(error.code, code);
  for (const [name, value] of Object.entries(extra)) assert.equal(error[name], value, name);
  return true;
};

describe("PKCE and randomness", () => {
  test("S256 challenge matches RFC 7636 appendix B", async () => {
    assert.equal(
      await calculateCodeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  test("base64url encodes the appendix B octets of the verifier", () => {
    const octets = [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121];
    assert.equal(base64url(new Uint8Array(octets)), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  });

  test("random tokens are 43 base64url characters (256 bits) and differ", () => {
    const tokens = new Set();
    for (let i = 0; i < 200; i++) {
      const token = randomToken();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      tokens.add(token);
    }
    assert.equal(tokens.size, 200);
  });

  test("random tokens come from crypto.getRandomValues", (t) => {
    const spy = t.mock.method(crypto, "getRandomValues");
    randomToken();
    assert.equal(spy.mock.callCount(), 1);
    assert.equal(spy.mock.calls[0].arguments[0].length, 32);
  });

  test("no crypto.subtle (insecure context) is a clear error", async () => {
    const real = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    Object.defineProperty(globalThis, "crypto", { value: { getRandomValues: (a) => a }, configurable: true });
    try {
      await assert.rejects(calculateCodeChallenge("x"), rejectsWith(codes.INSECURE_CONTEXT));
    } finally {
      Object.defineProperty(globalThis, "crypto", real);
    }
  });
});

describe("authorization request", () => {
  const params = {
    client_id: "client-1",
    redirect_uri: `${SITE}/callback/`,
    scope: "email profile",
    state: "s".repeat(43),
    nonce: "n".repeat(43),
    code_challenge: "c".repeat(43),
  };

  test("carries code flow, PKCE S256, state and nonce, openid scope", () => {
    const url = new URL(authorizationUrl(METADATA, params));
    assert.equal(url.origin + url.pathname, METADATA.authorization_endpoint);
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      response_type: "code",
      client_id: "client-1",
      redirect_uri: `${SITE}/callback/`,
      scope: "openid email profile",
      state: params.state,
      nonce: params.nonce,
      code_challenge: params.code_challenge,
      code_challenge_method: "S256",
    });
  });

  test("keeps existing query parameters of the endpoint and does not repeat openid", () => {
    const url = new URL(authorizationUrl({ authorization_endpoint: "https://idp.example/auth?tenant=a" }, { ...params, scope: "openid  email" }));
    assert.equal(url.searchParams.get("tenant"), "a");
    assert.equal(url.searchParams.get("scope"), "openid email");
  });
});

describe("authorization response", () => {
  const check = (query, metadata = METADATA) => validateAuthResponse(new URLSearchParams(query), metadata);

  test("returns the code", () => {
    assert.equal(check("code=abc&state=s"), "abc");
  });

  test("a provider error carries error, error_description, error_uri as given", () => {
    const description = '<img src=x onerror="alert(1)">';
    assert.throws(
      () => check(`error=access_denied&error_description=${encodeURIComponent(description)}&error_uri=https%3A%2F%2Fidp.example%2Fe&state=s`),
      rejectsWith(codes.PROVIDER_ERROR, { error: "access_denied", error_description: description, error_uri: "https://idp.example/e", message: description }),
    );
  });

  test("no code is an invalid response", () => {
    assert.throws(() => check("state=s"), rejectsWith(codes.INVALID_RESPONSE));
  });

  test("an iss parameter must be the issuer (RFC 9207)", () => {
    assert.equal(check(`code=abc&iss=${encodeURIComponent(ISSUER)}`), "abc");
    assert.throws(() => check("code=abc&iss=https%3A%2F%2Fevil.example"), rejectsWith(codes.INVALID_RESPONSE));
  });

  test("iss is required when the provider announces it", () => {
    assert.throws(() => check("code=abc", { ...METADATA, authorization_response_iss_parameter_supported: true }), rejectsWith(codes.INVALID_RESPONSE));
  });
});

describe("discovery", () => {
  test("accepts the configured issuer, with or without a trailing slash", async () => {
    assert.equal((await processDiscoveryResponse(ISSUER, jsonResponse(200, METADATA))).issuer, ISSUER);
    const slashed = { ...METADATA, issuer: `${ISSUER}/` };
    assert.equal((await processDiscoveryResponse(ISSUER, jsonResponse(200, slashed))).issuer, `${ISSUER}/`);
  });

  test("rejects another issuer, missing endpoints, no S256, non-200, non-JSON", async () => {
    const bad = [
      jsonResponse(200, { ...METADATA, issuer: "https://evil.example" }),
      jsonResponse(200, { ...METADATA, token_endpoint: undefined }),
      jsonResponse(200, { ...METADATA, code_challenge_methods_supported: ["plain"] }),
      jsonResponse(500, METADATA),
    ];
    for (const response of bad) await assert.rejects(processDiscoveryResponse(ISSUER, response), rejectsWith(codes.INVALID_DISCOVERY));
    await assert.rejects(processDiscoveryResponse(ISSUER, new Response("<html>", { status: 200 })), rejectsWith(codes.INVALID_RESPONSE));
  });
});

describe("token response", () => {
  const good = { access_token: "at", id_token: "it", token_type: "Bearer", expires_in: 3600, refresh_token: "rt", scope: "openid" };

  test("returns the tokens, the refresh token too (for the companion only)", async () => {
    const tokens = await processTokenResponse(jsonResponse(200, good));
    assert.deepEqual(tokens, { access_token: "at", id_token: "it", token_type: "Bearer", expires_in: 3600, scope: "openid", refresh_token: "rt" });
    const { refresh_token, ...rest } = good;
    assert.equal("refresh_token" in (await processTokenResponse(jsonResponse(200, rest))), false);
  });

  test("an OAuth error answer is a provider error", async () => {
    await assert.rejects(
      processTokenResponse(jsonResponse(400, { error: "invalid_grant", error_description: "Code used" })),
      rejectsWith(codes.PROVIDER_ERROR, { error: "invalid_grant", error_description: "Code used" }),
    );
    await assert.rejects(processTokenResponse(new Response("Bad gateway", { status: 502 })), rejectsWith(codes.INVALID_RESPONSE));
  });

  test("missing tokens, another token type or a bad expires_in are refused", async () => {
    for (const body of [
      { ...good, id_token: undefined },
      { ...good, access_token: "" },
      { ...good, token_type: "DPoP" },
      { ...good, expires_in: -5 },
    ]) {
      await assert.rejects(processTokenResponse(jsonResponse(200, body)), rejectsWith(codes.INVALID_RESPONSE));
    }
  });
});

describe("ID token claims", () => {
  const now = 1_800_000_000;
  const claims = { iss: ISSUER, aud: "client-1", sub: "u1", exp: now + 600, iat: now - 5, nonce: "n1" };
  const expected = { issuer: ISSUER, client_id: "client-1", nonce: "n1", now, skew: 60 };
  const failsOn = (claim, changes) => {
    assert.throws(() => validateIdTokenClaims({ ...claims, ...changes }, expected), rejectsWith(codes.INVALID_ID_TOKEN, { claim }));
  };

  test("decodes a JWT payload, UTF-8 included", () => {
    assert.deepEqual(decodeJwtPayload(makeJwt({ name: "Zoë" })), { name: "Zoë" });
    for (const bad of ["a.b", "a.%%%.c", `a.${Buffer.from("[1]").toString("base64url")}.c`]) {
      assert.throws(() => decodeJwtPayload(bad), rejectsWith(codes.INVALID_ID_TOKEN));
    }
  });

  test("valid claims pass (aud as string or list with azp)", () => {
    assert.equal(validateIdTokenClaims(claims, expected), claims);
    validateIdTokenClaims({ ...claims, aud: ["client-1", "api"], azp: "client-1" }, expected);
    validateIdTokenClaims({ ...claims, aud: ["client-1"] }, expected);
  });

  test("iss must match exactly", () => {
    failsOn("iss", { iss: `${ISSUER}/` });
    failsOn("iss", { iss: "https://evil.example" });
    failsOn("iss", { iss: undefined });
  });

  test("aud must contain the client_id", () => {
    failsOn("aud", { aud: "other" });
    failsOn("aud", { aud: ["other", "api"], azp: "client-1" });
    failsOn("aud", { aud: undefined });
  });

  test("azp must be the client_id, and is required with several audiences", () => {
    failsOn("azp", { azp: "other" });
    failsOn("azp", { aud: ["client-1", "api"] });
    failsOn("azp", { aud: ["client-1", "api"], azp: "api" });
  });

  test("exp must be in the future (within the skew)", () => {
    failsOn("exp", { exp: now - 61 });
    failsOn("exp", { exp: undefined });
    failsOn("exp", { exp: String(now + 600) });
    validateIdTokenClaims({ ...claims, exp: now - 30 }, expected);
  });

  test("iat must not be in the future beyond the skew", () => {
    failsOn("iat", { iat: now + 61 });
    failsOn("iat", { iat: undefined });
    validateIdTokenClaims({ ...claims, iat: now + 30 }, expected);
  });

  test("nonce must equal the one sent", () => {
    failsOn("nonce", { nonce: "n2" });
    failsOn("nonce", { nonce: undefined });
    assert.throws(() => validateIdTokenClaims({ ...claims, nonce: undefined }, { ...expected, nonce: undefined }), rejectsWith(codes.INVALID_ID_TOKEN, { claim: "nonce" }));
  });

  test("sub is required", () => {
    failsOn("sub", { sub: "" });
    failsOn("sub", { sub: 42 });
  });
});

describe("companion answers", () => {
  test("the user on success, its JSON message on refusal", async () => {
    assert.deepEqual(await processCompanionResponse(jsonResponse(200, { sub: "u1" })), { sub: "u1" });
    await assert.rejects(
      processCompanionResponse(jsonResponse(401, { error: "invalid_token", message: "ID token signature is invalid." })),
      rejectsWith(codes.COMPANION_REFUSED, { status: 401, error: "invalid_token", message: "ID token signature is invalid." }),
    );
    await assert.rejects(processCompanionResponse(new Response("oops", { status: 502 })), rejectsWith(codes.COMPANION_REFUSED, { message: "HTTP 502" }));
  });

  test("sign-out: 204 and 401 (already gone) are fine, 403 is not", async () => {
    await processCompanionLogout(jsonResponse(204));
    await processCompanionLogout(jsonResponse(401, { error: "no_session", message: "x" }));
    await assert.rejects(processCompanionLogout(jsonResponse(403, { error: "bad_origin", message: "Origin refused." })), rejectsWith(codes.COMPANION_REFUSED, { status: 403 }));
  });
});

describe("logout URL", () => {
  test("Cognito: <domain>/logout with client_id and logout_uri only", () => {
    const url = new URL(logoutUrl({ ...CONFIG, cognito_domain: "https://x.auth.eu-west-1.amazoncognito.com/" }, SITE, { metadata: METADATA, idToken: "tok" }));
    assert.equal(url.origin + url.pathname, "https://x.auth.eu-west-1.amazoncognito.com/logout");
    assert.deepEqual(Object.fromEntries(url.searchParams), { client_id: "client-1", logout_uri: `${SITE}/bye/` });
  });

  test("standard: end_session_endpoint with id_token_hint, post_logout_redirect_uri, client_id", () => {
    const url = new URL(logoutUrl(CONFIG, SITE, { metadata: METADATA, idToken: "tok" }));
    assert.equal(url.origin + url.pathname, METADATA.end_session_endpoint);
    assert.deepEqual(Object.fromEntries(url.searchParams), { id_token_hint: "tok", post_logout_redirect_uri: `${SITE}/bye/`, client_id: "client-1" });
  });

  test("standard without a token: no id_token_hint", () => {
    const url = new URL(logoutUrl(CONFIG, SITE, { metadata: METADATA }));
    assert.equal(url.searchParams.has("id_token_hint"), false);
    assert.equal(url.searchParams.get("client_id"), "client-1");
  });

  test("no end_session_endpoint: straight to post_logout_path", () => {
    assert.equal(logoutUrl(CONFIG, SITE, { metadata: { ...METADATA, end_session_endpoint: undefined } }), `${SITE}/bye/`);
    assert.equal(logoutUrl(CONFIG, SITE), `${SITE}/bye/`);
  });
});

describe("return path", () => {
  test("same-origin paths pass, normalised", () => {
    assert.equal(safeReturnPath("/docs/page/?q=1#part", SITE), "/docs/page/?q=1#part");
    assert.equal(safeReturnPath("/a/../b/", SITE), "/b/");
    assert.equal(safeReturnPath("/", SITE), "/");
  });

  test("open-redirect shapes are refused", () => {
    for (const value of [
      "//evil.example",
      "//evil.example/path",
      "https://evil.example",
      `${SITE}/page/`,
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "javascript:alert(1)",
      // Dot segments that resolve to a scheme-relative path ("//evil.example/").
      "/.//evil.example/",
      "/..//evil.example/",
      "/%2e//evil.example/",
      "/%2E%2E//evil.example/",
      "/a/..//evil.example/",
      "/a/%2e%2e//evil.example/",
      " /page/",
      "page/",
      "",
      null,
      undefined,
      42,
      ["/"],
    ]) {
      assert.equal(safeReturnPath(value, SITE), null, JSON.stringify(value));
    }
  });
});
