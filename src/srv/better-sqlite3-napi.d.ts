// better-sqlite3 13.x installed under an alias (see sqlite-driver.ts): the same API as 12.x.
declare module 'better-sqlite3-napi' {
  import BetterSqlite3 = require('better-sqlite3');
  export = BetterSqlite3;
}
