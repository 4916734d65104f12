// res.json for the gateway's answers, without Express's general path: the body stringified once and written with
// two precomputed headers. Express's res.json looks up three settings, parses and formats the Content-Type to add
// a charset, looks up the ETag settings and checks freshness on every answer (about 4% of a proxied read's CPU in
// bench:gateway's profiles). Anything that path does differently from ours — a Content-Type already chosen, a
// conditional or HEAD request, a status without a body — still goes through Express's own res.json.
import type { Express, Response } from 'express';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The statuses whose body Express strips (and whose headers it rewrites). */
const BODILESS = new Set([204, 205, 304]);

/** Installs the direct res.json on this app's responses. Throws if a setting its output would ignore is set. */
export function answerJsonDirectly(app: Express): void {
  for (const setting of ['json escape', 'json replacer', 'json spaces', 'etag fn'] as const) {
    if (app.get(setting)) throw new Error(`answerJsonDirectly: the app sets "${setting}", which the direct res.json ignores`);
  }
  const expressJson = app.response.json;
  app.response.json = function json(this: Response, body: unknown) {
    const req = this.req;
    const headers = req.headers;
    const text = JSON.stringify(body);
    if (
      text === undefined ||
      req.method === 'HEAD' ||
      BODILESS.has(this.statusCode) ||
      headers['if-none-match'] !== undefined ||
      headers['if-modified-since'] !== undefined ||
      this.hasHeader('Content-Type') ||
      this.hasHeader('Transfer-Encoding')
    ) {
      return expressJson.call(this, body);
    }
    this.setHeader('Content-Type', JSON_TYPE);
    this.setHeader('Content-Length', Buffer.byteLength(text));
    this.end(text);
    return this;
  };
}
