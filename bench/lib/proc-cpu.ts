/**
 * CPU time of a process from /proc/<pid>/stat (utime + stime of all its threads), in milliseconds. Linux only;
 * the resolution is one clock tick (10 ms at USER_HZ 100), so measure over enough requests to make that small.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux x86-64 (`getconf CLK_TCK`)

function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: split after its closing parenthesis.
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

export function cpuMs(pid: number): number {
  const fields = statFields(pid); // fields[0] is field 3 (state): utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** PIDs of the direct children of `parent` whose command name is `name`. */
export function childrenNamed(parent: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
      if (comm === name && Number(statFields(Number(entry))[1]) === parent) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** CPU milliseconds `pid` spent while `work` ran, divided by `count`. */
export async function cpuPerRequest(pid: number, count: number, work: () => Promise<void>): Promise<number> {
  const before = cpuMs(pid);
  await work();
  return (cpuMs(pid) - before) / count;
}
