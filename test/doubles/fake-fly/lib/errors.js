// TEST DOUBLE of flyctl (not the real CLI): error types that map to flyctl-like exit codes.
"use strict";

/** A failure flyctl itself would report ("Error: ..."), exit code 1. */
class FlyError extends Error {}

/** A call the test double does not understand (unknown command or flag): exit code 2, so tests notice. */
class UsageError extends Error {}

module.exports = { FlyError, UsageError };
