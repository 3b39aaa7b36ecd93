// TEST DOUBLE of flyctl (not the real CLI): error types that map to flyctl-like exit codes.
"use strict";

/** A failure flyctl itself would report ("Error: ..."), exit code 1. */
class FlyError extends Error {}

/**
 * An unknown command, flag or argument. flyctl exits 1 for these too (internal/cli/cli.go Run: every error that is
 * not a cancel/deadline/UNCHANGED returns 1; cobra reports "unknown flag: --x").
 */
class UsageError extends Error {}

module.exports = { FlyError, UsageError };
