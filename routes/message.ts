// /up/v1/message: the caller's messages (留言, 投诉, 询问, 售后, 求购). Admins (AuthorityId 2) list every user's.
import { type Request, type Response, Router } from 'express';
import { MessageForm } from '../forms';
import { ownerFilter, principalOf } from '../middlewares/auth';
import { callOf } from '../middlewares/call-context';
import { formBody } from '../middlewares/form-body';
import { bodyOf, validate } from '../middlewares/validate';
import type { AppDeps } from '../src/deps';
import { messageView } from './shapes';

export function messageRoutes({ srv, bodyLimit }: AppDeps): Router {
  const router = Router();
  router.get('/', list);
  // JSON (parsed before this router), or the form the course SPA posts (multipart) or a plain HTML form.
  router.post('/', formBody({ limit: bodyLimit, integers: ['type'] }), validate({ body: MessageForm }), create);
  return router;

  async function list(_req: Request, res: Response) {
    const messages = await srv.userop.MessageList({ userId: ownerFilter(principalOf(res)) }, callOf(res));
    res.json({ total: messages.total, data: messages.data.map(messageView) });
  }

  async function create(_req: Request, res: Response) {
    const form = bodyOf<MessageForm>(res);
    const created = await srv.userop.CreateMessage(
      { userId: principalOf(res).userId, messageType: form.type, subject: form.subject, message: form.message, file: form.file },
      callOf(res),
    );
    res.json({ id: created.id });
  }
}
