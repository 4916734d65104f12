// The better-sqlite3 build this Node can run. Open SQLite files through this module, never by
// importing better-sqlite3 directly.
// - 12.x wraps its objects in node::ObjectWrap and compiles against the running Node's headers on
//   install. Built against Node 24.19+ headers, it aborts the whole process ("Assertion failed:
//   (env) != nullptr" in RemoveEnvironmentCleanupHook) whenever the GC frees a statement outside
//   JavaScript (nodejs/node#65446), which a server does all day.
// - 13.x is Node-API 10, a prebuilt binary with no such wrapper, but Node-API 10 exists only from
//   Node 22.14: on Node 20 it crashes when a database opens.
// So 13.x where Node-API 10 exists and 12.x on Node 20. Both load their native part only when a
// database opens, so importing both costs nothing. Drop 12.x with Node 20.
import type BetterSqlite3 from 'better-sqlite3';
import SQLite12 from 'better-sqlite3';
import SQLite13 from 'better-sqlite3-napi';

/** Whether this Node has Node-API 10 (22.14 and later). */
export function hasNodeApi10(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 14);
}

/** The Database constructor for this process's Node. */
export const SQLite: typeof BetterSqlite3 = hasNodeApi10(process.versions.node) ? (SQLite13 as typeof BetterSqlite3) : SQLite12;

export type SqliteDatabase = BetterSqlite3.Database;
