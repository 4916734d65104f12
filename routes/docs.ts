// GET /openapi.json and the Swagger UI at GET /docs, offline: its scripts and styles come from the
// swagger-ui-dist package through this router, and nothing on the page loads from elsewhere (no validator
// badge, no CDN). The document is built once, after every route is mounted (publish), never per request.
import { type RequestHandler, Router } from 'express';
import type { OpenAPIObject } from 'openapi3-ts/oas31';
import swaggerUi from 'swagger-ui-express';
import { AppError } from '../global/errors';

export interface DocsRoutes {
  router: Router;
  /** Serve this document from now on. */
  publish(document: OpenAPIObject): void;
}

/**
 * Swagger UI runs only its own scripts, from here: no inline script, nothing from elsewhere. Its styles set
 * style attributes (hence 'unsafe-inline' for styles only) and its icons are data: images.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const UI_OPTIONS: swaggerUi.SwaggerUiOptions = {
  customSiteTitle: 'order-web API',
  // null: no badge that sends the document to an online validator.
  swaggerOptions: { validatorUrl: null, persistAuthorization: true, displayRequestDuration: true },
};

export function docsRoutes(): DocsRoutes {
  const router = Router();
  const assets = Router();
  let json: string | undefined;
  let page: RequestHandler | undefined;

  const notYet = () => new AppError('UNAVAILABLE', '接口文档尚未生成');
  router.get('/openapi.json', (_req, res) => {
    if (json === undefined) throw notYet();
    res.type('application/json').send(json);
  });
  router.use('/docs', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    next();
  });
  router.get('/docs', (req, res, next) => {
    if (!page) throw notYet();
    // The page loads its assets relative to itself, so it must be read as /docs/.
    if (!req.path.endsWith('/')) return void res.redirect(301, 'docs/');
    page(req, res, next);
  });
  router.use('/docs', assets);

  return {
    router,
    publish(document) {
      json = JSON.stringify(document);
      assets.use(swaggerUi.serveFiles(document, UI_OPTIONS));
      page = swaggerUi.setup(document, UI_OPTIONS);
    },
  };
}
