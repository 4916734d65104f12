// createApp(deps): the gateway's HTTP surface, built from its parts and nothing else. Nothing here
// reads the environment or connects; main.ts and the tests decide what the deps are.
import express from 'express';
import { scrapeProcess } from '../global/metrics';
import { accessLog } from '../middlewares/access-log';
import { authenticate, requireAdmin } from '../middlewares/auth';
import { callContext } from '../middlewares/call-context';
import { corsPolicy } from '../middlewares/cors';
import { errorHandler, notFound } from '../middlewares/error-handler';
import { httpMetrics } from '../middlewares/http-metrics';
import { answerJsonDirectly } from '../middlewares/json-response';
import { requestId } from '../middlewares/request-id';
import { addressRoutes } from '../routes/address';
import { adminRoutes } from '../routes/admin';
import { docsRoutes } from '../routes/docs';
import { liveness, lookAtSrvs, readinessRoutes } from '../routes/health';
import { messageRoutes } from '../routes/message';
import { metricsRoute } from '../routes/metrics';
import { orderRoutes } from '../routes/order';
import { payRoutes } from '../routes/pay';
import { shopCartRoutes } from '../routes/shop-cart';
import { userFavRoutes } from '../routes/user-fav';
import type { AppDeps } from './deps';
import { buildOpenApiDocument } from './openapi/document';

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  answerJsonDirectly(app);

  // Liveness and scrapes first: their answers cost no request id, access line or anything else.
  app.get('/health', liveness);
  // A scrape looks at the srvs first, so srv_up is as fresh as the scrape.
  const scrape = deps.scrape ?? scrapeProcess;
  app.get(
    '/metrics',
    metricsRoute(async () => {
      await lookAtSrvs(deps.srv);
      return scrape();
    }),
  );
  app.use(httpMetrics());
  app.use(requestId());
  // The error handler logs a 5xx's cause at error level; the access line says only that it happened.
  app.use(accessLog(deps.logger));
  app.use(corsPolicy());
  app.use(callContext());
  app.use(readinessRoutes(deps));
  const docs = docsRoutes();
  app.use(docs.router);

  // Authenticate before parsing a body: an anonymous caller's JSON is never read.
  const user = [authenticate(deps.jwtKey), express.json({ limit: deps.bodyLimit })];
  app.use('/o/v1/shopcarts', user, shopCartRoutes(deps));
  app.use('/o/v1/orders', user, orderRoutes(deps));
  app.use('/o/v1/admin', authenticate(deps.jwtKey), requireAdmin(), adminRoutes(deps));
  app.use('/o/v1/pay', payRoutes(deps));
  app.use('/up/v1/userfavs', user, userFavRoutes(deps));
  app.use('/up/v1/address', user, addressRoutes(deps));
  app.use('/up/v1/message', user, messageRoutes(deps));

  app.use(notFound());
  app.use(errorHandler(deps.logger));
  // Built from the routes as mounted above: a route added there is in the document (and the suite asks for its docs).
  docs.publish(buildOpenApiDocument(app));
  return app;
}
