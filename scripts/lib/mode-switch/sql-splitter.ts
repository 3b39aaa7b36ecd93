/**
 * Splits a stream of SQL text (sqld's `GET /dump`, see ./dump-replay.ts) into complete statements without holding
 * more than the statement being read. A `;` ends a statement unless it is inside a string ('…' with '' escapes),
 * a quoted identifier ("…", `…`, […]), a comment (-- to end of line, /* … *\/), or the body of a CREATE TRIGGER,
 * which ends at the `;` after the END that closes its BEGIN (a CASE … END inside the body does not close it;
 * stricter than sqlite3_complete(), which stops at any `END;` in a trigger).
 */

/** [A-Za-z0-9_$] without a regex per character (a dump is megabytes). */
const isWordChar = (k: number) => (k >= 97 && k <= 122) || (k >= 65 && k <= 90) || (k >= 48 && k <= 57) || k === 95 || k === 36;

type State = "code" | "single" | "double" | "backtick" | "bracket" | "line-comment" | "block-comment";

export class SqlSplitter {
  private state: State = "code";
  /** Text of the statement so far from earlier chunks. */
  private pending = "";
  /** The previous character mattered: a quote that may be doubled, `-`, `/`, or `*` in a comment. */
  private held: "quote" | "-" | "/" | "*" | null = null;
  private word = "";
  private words: string[] = [];
  private trigger = false;
  private bodyOpen = false;
  private bodyClosed = false;
  private caseDepth = 0;

  /** Feeds a chunk; returns the statements it completed (each with its `;`, leading whitespace removed). */
  push(chunk: string): string[] {
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (this.step(chunk[i]!) === "end") {
        const statement = (this.pending + chunk.slice(start, i + 1)).trimStart();
        this.pending = "";
        start = i + 1;
        this.resetStatement();
        out.push(statement);
      }
    }
    this.pending += chunk.slice(start);
    return out;
  }

  /** What is left after the last `;` (whitespace only for a complete dump). */
  rest(): string {
    return this.pending;
  }

  private resetStatement(): void {
    this.words = [];
    this.word = "";
    this.trigger = this.bodyOpen = this.bodyClosed = false;
    this.caseDepth = 0;
  }

  private endWord(): void {
    if (this.word === "") return;
    const w = this.word.toUpperCase();
    this.word = "";
    if (this.words.length < 3) {
      this.words.push(w);
      const [a, b, c] = this.words;
      this.trigger = a === "CREATE" && (b === "TRIGGER" || ((b === "TEMP" || b === "TEMPORARY") && c === "TRIGGER"));
    }
    if (!this.trigger) return;
    if (w === "BEGIN" && !this.bodyOpen) this.bodyOpen = true;
    else if (w === "CASE" && this.bodyOpen) this.caseDepth++;
    else if (w === "END" && this.bodyOpen) {
      if (this.caseDepth > 0) this.caseDepth--;
      else this.bodyClosed = true;
    }
  }

  /** Advances by one character; "end" when it was the `;` that ends a statement. */
  private step(c: string): "end" | undefined {
    const held = this.held;
    this.held = null;
    switch (this.state) {
      case "single":
      case "double":
      case "backtick": {
        const close = this.state === "single" ? "'" : this.state === "double" ? '"' : "`";
        if (held === "quote") {
          if (c === close) return; // doubled quote: still inside
          this.state = "code";
          return this.step(c);
        }
        if (c === close) this.held = "quote";
        return;
      }
      case "bracket":
        if (c === "]") this.state = "code";
        return;
      case "line-comment":
        if (c === "\n") this.state = "code";
        return;
      case "block-comment":
        if (held === "*" && c === "/") this.state = "code";
        else if (c === "*") this.held = "*";
        return;
      case "code":
        break;
    }
    if (held === "-" && c === "-") return void (this.state = "line-comment");
    if (held === "/" && c === "*") return void (this.state = "block-comment");
    if (isWordChar(c.charCodeAt(0))) {
      this.word += c;
      return;
    }
    this.endWord();
    if (c === "'") this.state = "single";
    else if (c === '"') this.state = "double";
    else if (c === "`") this.state = "backtick";
    else if (c === "[") this.state = "bracket";
    else if (c === "-" || c === "/") this.held = c;
    else if (c === ";" && (!this.trigger || this.bodyClosed)) return "end";
    return;
  }
}
