// The reader's name as a person would choose it, by the same rule as the
// companion's `name` field (generator/companion/profile.py): `name`; then
// `given_name` and `family_name`; `preferred_username`; `email`; a username
// that is not a UUID (a Cognito pool that signs in by email makes
// `cognito:username` one). Nothing when the claims hold none of these.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TEXT = 256;

const text = (value) => (typeof value === "string" && value.trim() ? value.trim().slice(0, MAX_TEXT) : null);

/** @param {object} profile claims (the companion's user merged over the ID token's) */
export function displayName(profile) {
  const given = [text(profile.given_name), text(profile.family_name)].filter(Boolean).join(" ");
  const username = ["cognito:username", "username"].map((claim) => text(profile[claim])).find((name) => name && !UUID.test(name));
  return text(profile.name) ?? text(given) ?? text(profile.preferred_username) ?? text(profile.email) ?? username ?? "";
}

/** The reader's groups: the companion's `groups`, read from the claim `auth.groups_claim` names. */
export function groupsOf(profile) {
  return Array.isArray(profile.groups) ? profile.groups.filter((name) => typeof name === "string") : [];
}
