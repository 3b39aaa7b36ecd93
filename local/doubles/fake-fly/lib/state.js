// TEST DOUBLE of flyctl (not the real CLI): the fake Fly platform, kept as JSON in $FAKE_FLY_STATE/state.json.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { FlyError, UsageError } = require("./errors");

function stateDir() {
  const dir = process.env.FAKE_FLY_STATE;
  if (!dir) throw new UsageError("FAKE_FLY_STATE is not set: the fake fly CLI needs a state directory");
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function emptyState() {
  return { apps: {}, callCounts: {} };
}

function loadState() {
  const file = path.join(stateDir(), "state.json");
  if (!fs.existsSync(file)) return emptyState();
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Write-then-rename, so a reader (or a killed writer) never sees half a file. */
function saveState(state) {
  const dir = stateDir();
  const tmp = path.join(dir, `.state.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
  fs.renameSync(tmp, path.join(dir, "state.json"));
}

/** Replaces `state` in place with what is on disk now (after waiting for leases another run held). */
function reloadState(state) {
  const fresh = loadState();
  for (const key of Object.keys(state)) delete state[key];
  Object.assign(state, fresh);
}

/** Appends argv (never stdin) as one JSON line, so tests can assert that no secret reaches argv. */
function logCall(argv) {
  fs.appendFileSync(path.join(stateDir(), "calls.log"), `${JSON.stringify(argv)}\n`);
}

function randomString(alphabet, length) {
  const bytes = crypto.randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

const newVolumeId = () => `vol_${randomString("abcdefghijklmnopqrstuvwxyz0123456789", 16)}`;
const newMachineId = () => randomString("0123456789abcdef", 14);
const hex4 = () => randomString("0123456789abcdef", 4);
const now = () => new Date().toISOString();

/** The app or flyctl's "Could not find App" failure. */
function requireApp(state, name) {
  if (!name) throw new FlyError("the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag");
  const app = state.apps[name];
  if (!app) throw new FlyError(`Could not find App "${name}" (app not found)`);
  return app;
}

/** flyctl asks before destructive or billable actions; non-interactively it needs --yes. */
function requireYes(flags) {
  if (!flags.yes) throw new FlyError("yes flag must be specified when not running interactively");
}

module.exports = { stateDirOf: stateDir, loadState, saveState, reloadState, logCall, newVolumeId, newMachineId, hex4, now, requireApp, requireYes };
