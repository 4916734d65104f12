import { Router } from 'express';

export function healthRoutes(): Router {
  const router = Router();
  router.get('/health', (_req, res) => void res.json({ code: 200, success: true }));
  return router;
}
