// What goes on the wire for OpenID Connect sign-in, sign-out and the companion
// session, in the manner of oauth4webapi: each network step is a request
// function that sends and a pure process function that validates the answer,
// in the order the spec gives. No storage, no DOM: flows.js keeps the state.
//
// Loaded on demand (first sign-in click, the callback page, sign-out), so a
// normal page does not pay for it.

/** Error codes carried by `OidcError.code`. */
export const codes = Object.freeze({
  // Sign-in needs crypto.subtle (https, or http on 127.0.0.1 / localhost).
  INSECURE_CONTEXT: "INSECURE_CONTEXT",
  // The identity provider could not be reached (network, CORS, DNS).
  PROVIDER_UNREACHABLE: "PROVIDER_UNREACHABLE",
  // The discovery document is unusable (status, issuer, endpoints, PKCE).
  INVALID_DISCOVERY: "INVALID_DISCOVERY",
  // The callback URL carries no authorization response at all.
  NO_RESPONSE: "NO_RESPONSE",
  // The response's `state` matches no sign-in started in this tab (used, stale, forged).
  STATE_NOT_FOUND: "STATE_NOT_FOUND",
  // The provider answered with an OAuth error; see `error`, `error_description`, `error_uri`.
  PROVIDER_ERROR: "PROVIDER_ERROR",
  // An authorization or token response that breaks the protocol.
  INVALID_RESPONSE: "INVALID_RESPONSE",
  // An ID token claim failed its check; see `claim`.
  INVALID_ID_TOKEN: "INVALID_ID_TOKEN",
  // The companion endpoint refused the tokens; see `status`, `error`.
  COMPANION_REFUSED: "COMPANION_REFUSED",
  // The companion endpoint could not be reached.
  COMPANION_UNREACHABLE: "COMPANION_UNREACHABLE",
});

export class OidcError extends Error {
  /**
   * @param {string} code one of `codes`
   * @param {string} message for people
   * @param {object} [details] e.g. `{ error, error_description, error_uri }`, `{ claim }`, `{ cause }`
   */
  constructor(code, message, details = {}) {
    super(message, "cause" in details ? { cause: details.cause } : undefined);
    this.name = "OidcError";
    this.code = code;
    for (const [key, value] of Object.entries(details)) if (key !== "cause") this[key] = value;
  }
}

/** Seconds since the epoch, the unit of JWT times. */
export const epochSeconds = () => Math.floor(Date.now() / 1000);

const fail = (code, message, details) => {
  throw new OidcError(code, message, details);
};

// ---------------------------------------------------------------------------
// Randomness and PKCE

export function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * A fresh random value for `state`, `nonce` or a PKCE code verifier:
 * 32 bytes from crypto.getRandomValues, 43 base64url characters.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function randomToken() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The S256 code challenge of a verifier (the only method this client uses).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export async function calculateCodeChallenge(verifier) {
  if (!globalThis.crypto?.subtle) {
    fail(codes.INSECURE_CONTEXT, "Sign-in needs a secure page (https, or http on localhost).");
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

// ---------------------------------------------------------------------------
// Shared response handling

async function send(url, init, unreachableCode, what, hint) {
  try {
    return await fetch(url, init);
  } catch (cause) {
    const details = hint ? { cause, hint } : { cause };
    return fail(unreachableCode, `Could not reach ${what} (${new URL(url, location.href).origin}).`, details);
  }
}

// What a browser cannot tell apart (a fetch fails alike when the provider is down and when
// its CORS settings leave this origin out), said so that the author can check both.
const corsHint = (where) =>
  `It may be down, or its CORS settings may not allow this site's origin (${location.origin}) ${where}: ` +
  "register that origin as an allowed web origin for this client.";

/**
 * What the author can change, for the OAuth error codes a misconfigured client gets.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const PROVIDER_HINTS = Object.freeze({
  invalid_client:
    "The provider does not accept this site as a client: check auth.client_id, and that the client is public " +
    "(no client secret), since the token exchange happens in the browser, which cannot keep a secret.",
  unauthorized_client: "This client may not sign in this way: allow the authorization code grant (with PKCE) for it at the provider.",
  unsupported_response_type: "This client may not sign in this way: allow the authorization code grant (with PKCE) for it at the provider.",
  invalid_scope: "The client may not ask for these scopes: allow them at the provider, or change auth.scope.",
  invalid_grant:
    "The provider refused the sign-in code: it was used or expired (sign in again), or the callback URL registered " +
    "for the client is not exactly this site's.",
  server_error: "The provider had a problem of its own; try again in a moment.",
  temporarily_unavailable: "The provider is busy; try again in a moment.",
});

async function readJson(response, what) {
  try {
    const body = await response.json();
    if (body && typeof body === "object" && !Array.isArray(body)) return body;
  } catch {
    // fall through: not JSON
  }
  return fail(codes.INVALID_RESPONSE, `${what} did not answer with a JSON object (HTTP ${response.status}).`);
}

/** The JSON object of an error answer, or {} when it has none. */
async function errorBody(response) {
  try {
    const body = await response.json();
    return body && typeof body === "object" ? body : {};
  } catch {
    return {};
  }
}

/** The OAuth error fields of `source` (URLSearchParams or an object), strings only. */
function providerError(source, fallbackMessage) {
  const get = (name) => {
    const value = source instanceof URLSearchParams ? source.get(name) : source[name];
    return typeof value === "string" ? value : undefined;
  };
  const error = get("error");
  const error_description = get("error_description");
  return new OidcError(codes.PROVIDER_ERROR, error_description || error || fallbackMessage, {
    error,
    error_description,
    error_uri: get("error_uri"),
    hint: Object.hasOwn(PROVIDER_HINTS, error ?? "") ? PROVIDER_HINTS[error] : undefined,
  });
}

const trimSlash = (url) => url.replace(/\/+$/, "");

// ---------------------------------------------------------------------------
// Discovery

/**
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 */
export function discoveryRequest(authority) {
  const url = `${trimSlash(authority)}/.well-known/openid-configuration`;
  return send(url, { headers: { Accept: "application/json" } }, codes.PROVIDER_UNREACHABLE, "the sign-in provider",
    corsHint("for its discovery document"));
}

/**
 * The provider metadata, once its `issuer` is the configured authority.
 * A trailing slash is the only difference tolerated (the site config drops
 * it, some providers keep it); ID tokens are then held to `issuer` exactly.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 */
export async function processDiscoveryResponse(authority, response) {
  if (response.status !== 200) {
    fail(codes.INVALID_DISCOVERY, `The sign-in provider's discovery document answered HTTP ${response.status}.`);
  }
  const metadata = await readJson(response, "The discovery document");
  if (typeof metadata.issuer !== "string" || trimSlash(metadata.issuer) !== trimSlash(authority)) {
    fail(codes.INVALID_DISCOVERY, `The discovery document names issuer ${JSON.stringify(metadata.issuer)}, not ${authority}.`);
  }
  for (const name of ["authorization_endpoint", "token_endpoint"]) {
    if (typeof metadata[name] !== "string") fail(codes.INVALID_DISCOVERY, `The discovery document has no ${name}.`);
  }
  const methods = metadata.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes("S256")) {
    fail(codes.INVALID_DISCOVERY, "The sign-in provider does not support PKCE with S256.");
  }
  return metadata;
}

// ---------------------------------------------------------------------------
// Authorization request and response

/**
 * The authorization request URL: code flow, PKCE S256, `state` and `nonce`
 * always; `openid` is always among the scopes.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export function authorizationUrl(metadata, { client_id, redirect_uri, scope = "openid", state, nonce, code_challenge }) {
  const scopes = scope.split(/\s+/).filter(Boolean);
  if (!scopes.includes("openid")) scopes.unshift("openid");
  const url = new URL(metadata.authorization_endpoint);
  const params = {
    response_type: "code",
    client_id,
    redirect_uri,
    scope: scopes.join(" "),
    state,
    nonce,
    code_challenge,
    code_challenge_method: "S256",
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** The query parameters an authorization response may carry. */
export const responseParams = ["code", "state", "session_state", "iss", "error", "error_description", "error_uri"];

/**
 * The authorization code of a response whose `state` has already been
 * matched (flows.js looks it up in storage): provider errors raised, then the
 * `iss` parameter checked where present or announced, then `code` required.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function validateAuthResponse(params, metadata) {
  if (params.has("error")) throw providerError(params, "The sign-in provider refused the sign-in.");
  const iss = params.get("iss");
  if (iss === null && metadata.authorization_response_iss_parameter_supported === true) {
    fail(codes.INVALID_RESPONSE, "The authorization response lacks the 'iss' parameter its provider announces.");
  }
  if (iss !== null && iss !== metadata.issuer) {
    fail(codes.INVALID_RESPONSE, `The authorization response comes from issuer ${JSON.stringify(iss)}, not ${metadata.issuer}.`);
  }
  const code = params.get("code");
  if (!code) fail(codes.INVALID_RESPONSE, "The authorization response has no code.");
  return code;
}

// ---------------------------------------------------------------------------
// Token request and response

/**
 * The authorization code grant of a public client, with its PKCE verifier.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export function tokenRequest(metadata, { client_id, code, redirect_uri, code_verifier }) {
  const body = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri, client_id, code_verifier });
  return send(
    metadata.token_endpoint,
    { method: "POST", headers: { Accept: "application/json" }, body },
    codes.PROVIDER_UNREACHABLE,
    "the sign-in provider's token endpoint",
    // Discovery, from the same provider, answered moments ago: CORS is the likely cause.
    corsHint("at its token endpoint"),
  );
}

/**
 * `{ access_token, id_token, token_type, expires_in?, scope? }`. A refresh
 * token, if the provider sends one, is not returned: it is never kept.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
 */
export async function processTokenResponse(response) {
  if (!response.ok) {
    const body = await errorBody(response);
    if (typeof body.error === "string") throw providerError(body);
    fail(codes.INVALID_RESPONSE, `The sign-in provider's token endpoint answered HTTP ${response.status}.`);
  }
  const body = await readJson(response, "The token endpoint");
  for (const name of ["access_token", "id_token", "token_type"]) {
    if (typeof body[name] !== "string" || !body[name]) fail(codes.INVALID_RESPONSE, `The token response has no ${name}.`);
  }
  if (body.token_type.toLowerCase() !== "bearer") {
    fail(codes.INVALID_RESPONSE, `The token response has token_type ${JSON.stringify(body.token_type)}, not Bearer.`);
  }
  const tokens = { access_token: body.access_token, id_token: body.id_token, token_type: body.token_type };
  if (body.expires_in !== undefined) {
    const expiresIn = Number(body.expires_in);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) fail(codes.INVALID_RESPONSE, "The token response has an invalid expires_in.");
    tokens.expires_in = expiresIn;
  }
  if (typeof body.scope === "string") tokens.scope = body.scope;
  // Handed to the companion only (companionLoginRequest), never stored here.
  if (typeof body.refresh_token === "string" && body.refresh_token) tokens.refresh_token = body.refresh_token;
  return tokens;
}

// ---------------------------------------------------------------------------
// ID token

/**
 * The claims of a compact JWS, unverified: the companion checks the signature.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 */
export function decodeJwtPayload(jwt) {
  const parts = jwt.split(".");
  try {
    if (parts.length !== 3) throw new Error("not three parts");
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    if (claims && typeof claims === "object" && !Array.isArray(claims)) return claims;
  } catch {
    // reported below
  }
  return fail(codes.INVALID_ID_TOKEN, "The ID token is not a readable JWT.");
}

/**
 * The claim checks of OpenID Connect Core 3.1.3.7 that do not need the key:
 * iss exact, aud contains client_id, azp (required with several audiences)
 * equal to client_id, exp in the future and iat not in it (each with `skew`
 * seconds of clock leeway), nonce equal to the one sent, sub present.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export function validateIdTokenClaims(claims, { issuer, client_id, nonce, now = epochSeconds(), skew = 60 }) {
  const reject = (claim, message) => fail(codes.INVALID_ID_TOKEN, `ID token: ${message}`, { claim });
  if (claims.iss !== issuer) reject("iss", `issuer ${JSON.stringify(claims.iss)} is not ${issuer}.`);
  const audiences = typeof claims.aud === "string" ? [claims.aud] : claims.aud;
  if (!Array.isArray(audiences) || !audiences.includes(client_id)) reject("aud", "the audience does not include this site's client_id.");
  if (audiences.length > 1 && claims.azp === undefined) reject("azp", "several audiences but no authorized party (azp).");
  if (claims.azp !== undefined && claims.azp !== client_id) reject("azp", "the authorized party (azp) is not this site's client_id.");
  if (typeof claims.exp !== "number") reject("exp", "no expiry time (exp).");
  if (claims.exp <= now - skew) reject("exp", "it has expired.");
  if (typeof claims.iat !== "number") reject("iat", "no issue time (iat).");
  if (claims.iat > now + skew) reject("iat", "it is issued in the future; check the device's clock.");
  if (typeof nonce !== "string" || claims.nonce !== nonce) reject("nonce", "the nonce does not match the one this sign-in sent.");
  if (typeof claims.sub !== "string" || !claims.sub) reject("sub", "no subject (sub).");
  return claims;
}

// ---------------------------------------------------------------------------
// Companion session (same origin: the cookie goes along, the browser sets Origin)

const companionInit = (method, body) => ({
  method,
  credentials: "same-origin",
  headers: { Accept: "application/json", "Content-Type": "application/json" },
  body,
});

/** The companion's `{error, message}` answer as an OidcError. */
async function companionRefusal(response, prefix = "") {
  const body = await errorBody(response);
  const message = typeof body.message === "string" ? body.message : `HTTP ${response.status}`;
  return new OidcError(codes.COMPANION_REFUSED, prefix + message, { status: response.status, error: body.error });
}

/**
 * POST the tokens; the companion verifies them and sets its session cookie.
 * The refresh token goes along (the companion keeps it, encrypted, to refresh
 * the session); it is never written to browser storage.
 */
export function companionLoginRequest(companionUrl, { access_token, id_token, expires_in, refresh_token }) {
  const body = JSON.stringify({ access_token, id_token, expires_in, refresh_token });
  return send(companionUrl, companionInit("POST", body), codes.COMPANION_UNREACHABLE, "the site's session endpoint");
}

/** The companion's user `{sub, username, email, name, groups, expires_at}`. */
export async function processCompanionResponse(response) {
  if (!response.ok) throw await companionRefusal(response);
  return readJson(response, "The site's session endpoint");
}

/** DELETE the companion session (204 when it ended); `everywhere` ends all of the reader's sessions. */
export function companionLogoutRequest(companionUrl, { everywhere = false } = {}) {
  const url = everywhere ? `${companionUrl}${companionUrl.includes("?") ? "&" : "?"}everywhere=1` : companionUrl;
  return send(url, companionInit("DELETE"), codes.COMPANION_UNREACHABLE, "the site's session endpoint");
}

/** Success when the session ended, or was already gone (401). */
export async function processCompanionLogout(response) {
  if (response.ok || response.status === 401) return;
  throw await companionRefusal(response, "The site could not end your session: ");
}

// ---------------------------------------------------------------------------
// Sign-out

/**
 * Where sign-out sends the reader. Cognito ignores the standard parameters
 * and takes `client_id` and `logout_uri` at `<cognito_domain>/logout`; other
 * providers get RP-Initiated Logout at the discovery `end_session_endpoint`;
 * with neither, the reader goes straight to `post_logout_path`.
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function logoutUrl({ client_id, cognito_domain, post_logout_path }, origin, { metadata = null, idToken = null } = {}) {
  const back = origin + post_logout_path;
  let url;
  if (cognito_domain) {
    url = new URL(`${trimSlash(cognito_domain)}/logout`);
    url.searchParams.set("client_id", client_id);
    url.searchParams.set("logout_uri", back);
  } else if (typeof metadata?.end_session_endpoint === "string") {
    url = new URL(metadata.end_session_endpoint);
    if (idToken) url.searchParams.set("id_token_hint", idToken);
    url.searchParams.set("post_logout_redirect_uri", back);
    url.searchParams.set("client_id", client_id);
  } else {
    return back;
  }
  return url.href;
}

// ---------------------------------------------------------------------------
// Return path

/**
 * `value` as a path on `origin`, or null. Only a string starting with a single
 * '/' (no '//', no backslash, no control character) whose resolved URL keeps
 * the origin, and whose resolved path does not start with '//' either, passes:
 * `//evil.example`, `/\\evil.example`, `https://evil.example`, `javascript:`
 * and the dot segments that resolve to a scheme-relative URL (`/.//evil.example/`,
 * `/..//`, `/%2e//`, `/a/..//`) do not.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 */
export function safeReturnPath(value, origin) {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return null;
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return null;
  let url;
  try {
    url = new URL(value, origin);
  } catch {
    return null;
  }
  const path = url.pathname + url.search + url.hash;
  return url.origin === origin && !path.startsWith("//") ? path : null;
}
