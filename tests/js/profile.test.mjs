// The shown name: the same cases as the companion (tests/cases/display_names.json).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { displayName, groupsOf } from "../../scripts/profile.js";

const { cases } = JSON.parse(readFileSync(new URL("../cases/display_names.json", import.meta.url), "utf8"));

describe("displayName", () => {
  for (const { claims, name } of cases) {
    test(`${JSON.stringify(claims)} -> ${JSON.stringify(name)}`, () => {
      assert.equal(displayName(claims), name);
    });
  }
});

describe("groupsOf", () => {
  test("the companion's groups only, strings only", () => {
    assert.deepEqual(groupsOf({ groups: ["editors", 3, "staff"], "cognito:groups": ["admins"] }), ["editors", "staff"]);
    assert.deepEqual(groupsOf({ "cognito:groups": ["admins"] }), []);
    assert.deepEqual(groupsOf({}), []);
  });
});
