// `npm run token -- <userId> [--admin] [--hours N]`: prints a token the running configuration accepts.
import { signToken } from '../../middlewares/auth';
import { resolveJwtKey } from '../dev-secrets';
import { parseCli } from './args';

const cli = parseCli('usage: npm run token -- <userId ≥ 1> [--admin] [--hours N]   (default 24 hours)', {
  flags: ['admin'],
  options: ['hours'],
});
const [id, ...extra] = cli.positionals;
if (extra.length > 0) cli.refuse(`unexpected argument ${extra[0]}`);
const userId = Number(id);
if (!id || !Number.isSafeInteger(userId) || userId < 1) cli.refuse('the user id must be a whole number ≥ 1');
const hours = Number(cli.option('hours') ?? '24');
if (!Number.isFinite(hours) || hours <= 0) cli.refuse('--hours must be a positive number');
const key = resolveJwtKey(process.env);
if (!key) {
  process.stderr.write('no JWT key: set JWT_KEY, or run `npm start` once so the dev key exists in DATA_DIR\n');
  process.exit(2);
}
process.stdout.write(
  `${signToken(key, { userId, nickName: `user${userId}`, admin: cli.flag('admin'), expiresInSeconds: Math.round(hours * 3600) })}\n`,
);
