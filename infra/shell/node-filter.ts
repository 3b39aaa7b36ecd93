/**
 * JSON is read with small `node -e` programs: node is always present where Pulumi runs a TypeScript program,
 * jq is not. Rules every program keeps (they live next to their script builder, as constants):
 *  - its source contains no single quote, so it is single-quoted for sh verbatim and stays readable;
 *  - inputs arrive as argv (file paths, validated names, a mode word first so no user value can be read as a
 *    node option) or, for secrets, the environment; never spliced into the source;
 *  - it prints one plain value (or one JSON document) for the script, or exits non-zero with a message on stderr.
 * Two ways to run one: `nodeEval(JS)` inline, or, for a program used several times in a script, an assignment
 * (`shellAssignments({ js_name: JS })`) and `node -e "$js_name" mode args...`.
 */

/** `node -e '<js>'`; the single-quote rule is checked here rather than escaped, to keep the scripts readable. */
export function nodeEval(js: string): string {
  if (js.includes("'")) throw new Error("internal: node -e snippet must not contain a single quote");
  return `node -e '${js}'`;
}
