// The steps of signing in and out, and what the browser keeps between them:
// one-time state entries and the cached discovery document, in sessionStorage.
// UserManager (oidc.js) loads this module on first use and hands itself in;
// this module never imports oidc.js. The wire format and its checks are in
// protocol.js, the storage keys in storage.js.

import {
  OidcError,
  codes,
  epochSeconds,
  randomToken,
  calculateCodeChallenge,
  discoveryRequest,
  processDiscoveryResponse,
  authorizationUrl,
  responseParams,
  validateAuthResponse,
  tokenRequest,
  processTokenResponse,
  decodeJwtPayload,
  validateIdTokenClaims,
  companionLoginRequest,
  processCompanionResponse,
  companionLogoutRequest,
  processCompanionLogout,
  logoutUrl,
  safeReturnPath,
} from "./protocol.js";
import { keys, signal, stored } from "./storage.js";

export const STATE_PREFIX = "atoll.oidc.state.";
export const DISCOVERY_KEY = "atoll.oidc.discovery";
/** Seconds a sign-in may take from the click to the callback. */
export const STATE_MAX_AGE = 600;
/** Seconds the discovery document is reused. */
export const DISCOVERY_MAX_AGE = 3600;
// Claims about the protocol rather than the person: left out of the profile.
const PROTOCOL_CLAIMS = ["nonce", "at_hash", "c_hash", "auth_time", "nbf", "jti", "azp", "acr", "amr", "origin_jti", "event_id", "token_use"];

// ---------------------------------------------------------------------------
// Discovery, cached per tab

export async function getMetadata(authority, now = epochSeconds()) {
  const cached = stored(DISCOVERY_KEY);
  const age = now - cached?.fetched_at;
  if (cached?.authority === authority && age >= 0 && age < DISCOVERY_MAX_AGE) return cached.metadata;
  const metadata = await processDiscoveryResponse(authority, await discoveryRequest(authority));
  sessionStorage.setItem(DISCOVERY_KEY, JSON.stringify({ authority, fetched_at: now, metadata }));
  return metadata;
}

// ---------------------------------------------------------------------------
// One-time state entries: {created_at, code_verifier, nonce, redirect_uri, return_to}

function stateKeys() {
  const keys = [];
  for (let index = 0; index < sessionStorage.length; index++) {
    const key = sessionStorage.key(index);
    if (key?.startsWith(STATE_PREFIX)) keys.push(key);
  }
  return keys;
}

/** Remove state entries older than STATE_MAX_AGE (or unreadable). */
export function sweepStates(now = epochSeconds()) {
  for (const key of stateKeys()) {
    const age = now - stored(key)?.created_at;
    if (!(age >= 0 && age < STATE_MAX_AGE)) sessionStorage.removeItem(key);
  }
}

/** The entry for `state`, removed as it is read: each one serves once. */
function takeState(state) {
  if (!state) return null;
  const entry = stored(STATE_PREFIX + state);
  sessionStorage.removeItem(STATE_PREFIX + state);
  return entry;
}

/** A same-origin path to land on after sign-in, never the callback page itself. */
function returnPath(settings, value) {
  const path = safeReturnPath(value, location.origin);
  return path && path.split(/[?#]/)[0] !== settings.redirect_path ? path : null;
}

// ---------------------------------------------------------------------------
// Sign-in

export async function signinRedirect(manager, { returnTo } = {}) {
  const { authority, client_id, scope, redirect_path } = manager.settings;
  const now = epochSeconds();
  sweepStates(now);
  const metadata = await getMetadata(authority, now);
  const state = randomToken();
  const nonce = randomToken();
  const code_verifier = randomToken();
  const code_challenge = await calculateCodeChallenge(code_verifier);
  const redirect_uri = location.origin + redirect_path;
  const entry = { created_at: now, code_verifier, nonce, redirect_uri, return_to: returnPath(manager.settings, returnTo) };
  sessionStorage.setItem(STATE_PREFIX + state, JSON.stringify(entry));
  location.assign(authorizationUrl(metadata, { client_id, redirect_uri, scope, state, nonce, code_challenge }));
}

/** Take the response parameters out of the address bar (and so out of history and Referer). */
function clearAddressBar(url) {
  if (url.href !== location.href) return;
  const clean = new URL(url.href);
  for (const name of responseParams) clean.searchParams.delete(name);
  history.replaceState(history.state, "", clean.pathname + clean.search + clean.hash);
}

// One completion per callback URL, however often it is asked for (a callback run twice).
const callbacks = new Map();

export function signinCallback(manager, href) {
  if (!callbacks.has(href)) callbacks.set(href, completeSignin(manager, href));
  return callbacks.get(href);
}

async function completeSignin(manager, href) {
  const settings = manager.settings;
  const url = new URL(href, location.href);
  const params = new URLSearchParams(url.search);
  clearAddressBar(url);
  const now = epochSeconds();
  sweepStates(now);
  if (!params.has("code") && !params.has("state") && !params.has("error")) {
    throw new OidcError(codes.NO_RESPONSE, "This address carries no sign-in response: it was used already or opened directly.");
  }
  const entry = takeState(params.get("state"));
  if (!entry) {
    throw new OidcError(
      codes.STATE_NOT_FOUND,
      "This sign-in response matches no sign-in started in this tab: it was used already, took longer than 10 minutes, or did not start here.",
    );
  }
  const metadata = await getMetadata(settings.authority, now);
  const code = validateAuthResponse(params, metadata);
  const tokens = await processTokenResponse(
    await tokenRequest(metadata, { client_id: settings.client_id, code, redirect_uri: entry.redirect_uri, code_verifier: entry.code_verifier }),
  );
  const claims = validateIdTokenClaims(decodeJwtPayload(tokens.id_token), {
    issuer: metadata.issuer,
    client_id: settings.client_id,
    nonce: entry.nonce,
  });
  // Wait for the companion: navigating away first would abort the request.
  const session = await processCompanionResponse(await companionLoginRequest(settings.companion_url, tokens));
  const user = manager._setUser(makeUser(claims, tokens, session, settings.browser_tokens, now));
  if (!user) throw new OidcError(codes.INVALID_ID_TOKEN, "ID token: it expired as the sign-in completed; check the device's clock.", { claim: "exp" });
  signal("signin");
  const returnTo = returnPath(settings, entry.return_to);
  // Back or reload onto this callback later goes where this sign-in started.
  sessionStorage.setItem(keys.returned, JSON.stringify(returnTo ?? settings.post_login_path));
  return { ...user, returnTo };
}

/** Where the last sign-in completed in this tab returned to, if any. */
export function lastReturnPath(settings) {
  return returnPath(settings, stored(keys.returned));
}

/**
 * The user kept in sessionStorage: the ID token's claims about the person,
 * completed by the companion's verified user. It expires when the companion's
 * session does (the companion refreshes the tokens meanwhile), or, without a
 * session expiry, at the earliest the tokens give. Raw tokens only with
 * `browser_tokens`; a refresh token never.
 */
export function makeUser(claims, tokens, session, keepTokens, now = epochSeconds()) {
  const { expires_at: sessionExpiry, ...sessionProfile } = session;
  const profile = { ...claims };
  for (const claim of PROTOCOL_CLAIMS) delete profile[claim];
  for (const [name, value] of Object.entries(sessionProfile)) if (value != null) profile[name] = value;
  const expiries = [claims.exp, now + tokens.expires_in].filter(Number.isFinite);
  const user = { profile, expires_at: Number.isFinite(sessionExpiry) ? sessionExpiry : Math.min(...expiries) };
  if (keepTokens) {
    const { access_token, id_token, token_type, scope } = tokens;
    Object.assign(user, { access_token, id_token, token_type, scope });
  }
  return user;
}

// ---------------------------------------------------------------------------
// Sign-out

export async function signoutRedirect(manager, { everywhere = false } = {}) {
  const settings = manager.settings;
  const idToken = stored(keys.user)?.id_token;
  // A session the companion cannot end would outlive the sign-out: stop here and say so.
  await processCompanionLogout(await companionLogoutRequest(settings.companion_url, { everywhere }));
  for (const key of [...stateKeys(), keys.returned]) sessionStorage.removeItem(key);
  await manager.removeUser();
  signal("signout");
  const metadata = settings.cognito_domain ? null : await getMetadata(settings.authority).catch(() => null);
  location.assign(logoutUrl(settings, location.origin, { metadata, idToken }));
}
