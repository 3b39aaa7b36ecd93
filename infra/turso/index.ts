/** Managed mode: a Turso group, database and database token through the Turso Platform API. */
export { TursoDatabases } from "./component";
