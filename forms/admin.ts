// Admin inputs (AuthorityId 2 only).
import { IntParam } from './rules';

/** POST /o/v1/admin/reconcile?older_than_seconds=N: re-check unpaid orders at least this old (default 30 min). */
export class ReconcileQuery {
  @IntParam(0, 30 * 24 * 3600)
  older_than_seconds: number = 1800;
}
