/** Managed mode: a Turso group, database and database token through the Turso Platform API. */
export { TursoDatabase } from "./component";
