// `npm run token -- <userId> [--admin] [--hours N]`: prints a token the running configuration accepts.
import { signToken } from '../../middlewares/auth';
import { resolveJwtKey } from '../dev-secrets';

const args = process.argv.slice(2);
const userId = Number(args.find((a) => !a.startsWith('--')));
const hoursAt = args.indexOf('--hours');
const hours = hoursAt >= 0 ? Number(args[hoursAt + 1]) : 24;
const key = resolveJwtKey(process.env);

if (!Number.isSafeInteger(userId) || userId < 1 || !Number.isFinite(hours) || hours <= 0) {
  process.stderr.write('usage: npm run token -- <userId ≥ 1> [--admin] [--hours N]\n');
  process.exit(2);
} else if (!key) {
  process.stderr.write('no JWT key: set JWT_KEY, or run `npm start` once so the dev key exists in DATA_DIR\n');
  process.exit(2);
} else {
  const token = signToken(key, {
    userId,
    nickName: `user${userId}`,
    admin: args.includes('--admin'),
    expiresInSeconds: Math.round(hours * 3600),
  });
  process.stdout.write(`${token}\n`);
}
