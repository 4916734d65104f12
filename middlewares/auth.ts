// Authentication (401) and authorization (403) as two middlewares, reading the course user-web's HS256 tokens.
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { AppError } from '../global/errors';

export interface Principal {
  userId: number;
  nickName: string;
  role: 'user' | 'admin';
}

/** The course's user-web writes AuthorityId 1 for users and 2 for admins; only 2 is trusted (CONTRACT §4.6). */
const ADMIN_AUTHORITY = 2;
const USER_AUTHORITY = 1;
/** User ids travel to the srvs as int32; a larger id would wrap on the wire and name another user. */
const MAX_USER_ID = 2_147_483_647;
/** The course's user-web issues 30-day tokens. */
const DEFAULT_TOKEN_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
/** nbf slightly in the past, so a verifier whose clock is a little behind still accepts a fresh token. */
const NOT_BEFORE_BACKDATE_SECONDS = 5;

/**
 * A credential header sent twice is refused, not settled by picking one: Node keeps only the first
 * Authorization, and a proxy or client that doubles it should not decide who the caller is.
 */
function sentTwice(req: Request): boolean {
  // Counted over the raw headers (name, value, name, value, …): req.headersDistinct would build an array per header.
  const raw = req.rawHeaders;
  let authorization = 0;
  let xToken = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization') authorization++;
    else if (name.length === 7 && name.toLowerCase() === 'x-token') xToken++;
  }
  return authorization > 1 || xToken > 1;
}

/** x-token is the course SPA's header; Bearer and JWT are what curl/Postman users and the course's docs use. */
function tokenOf(req: Request): string | undefined {
  const xToken = req.get('x-token')?.trim();
  if (xToken) return xToken;
  const match = /^(?:Bearer|JWT)\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

function principalFromPayload(payload: unknown): Principal | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { ID, NickName, AuthorityId, exp } = payload as Record<string, unknown>;
  // CONTRACT §2 lists exp as always present (only nbf/iss are optional); a token without it would never expire.
  if (typeof exp !== 'number') return undefined;
  // A numeric string is refused: the course's tokens carry a JSON number, and anything else is not one of them.
  if (typeof ID !== 'number' || !Number.isSafeInteger(ID) || ID < 1 || ID > MAX_USER_ID) return undefined;
  return {
    userId: ID,
    nickName: typeof NickName === 'string' ? NickName : '',
    role: AuthorityId === ADMIN_AUTHORITY ? 'admin' : 'user',
  };
}

/** A few seconds of tolerance: the course's user-web sets nbf = now, and clocks drift. */
const CLOCK_TOLERANCE_SECONDS = 5;
/** Verified tokens remembered per gateway process: a client sends the same token with every request. */
const VERIFIED_TOKENS = 10_000;

interface Verified {
  principal: Principal;
  /** Epoch ms after which the token is expired (its exp, plus the tolerance). */
  expiresAt: number;
}

/** Who a guard lets through, for the OpenAPI document: it reads a route's security from the mounted handlers. */
export type Guard = 'user' | 'admin';
const GUARDS = new WeakMap<RequestHandler, Guard>();

export function guardOf(handler: unknown): Guard | undefined {
  return typeof handler === 'function' ? GUARDS.get(handler as RequestHandler) : undefined;
}

function guard(kind: Guard, handler: RequestHandler): RequestHandler {
  GUARDS.set(handler, kind);
  return handler;
}

/**
 * Verifies the token and stores the caller as `res.locals.principal`. A token verified once is
 * remembered (bounded LRU) until its exp, so the HMAC and JSON work is done once per token, not per
 * request; only valid tokens are remembered, so forged ones cannot fill the cache with anything.
 */
export function authenticate(jwtKey: string, now: () => number = Date.now): RequestHandler {
  // Made once: given a string, jsonwebtoken first tries it as a public key on every request (~0.3 ms).
  const key = crypto.createSecretKey(Buffer.from(jwtKey, 'utf8'));
  const verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS });

  function verify(token: string): Principal {
    const known = verified.get(token);
    if (known) {
      if (now() < known.expiresAt) return known.principal;
      verified.delete(token);
      throw new AppError('UNAUTHENTICATED', '授权已过期');
    }
    let payload: unknown;
    try {
      // Pinning HS256 refuses `none`, HS384/512 and any public-key algorithm, whatever the header claims.
      payload = jwt.verify(token, key, {
        algorithms: ['HS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        clockTimestamp: Math.floor(now() / 1000),
      });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError('UNAUTHENTICATED', '授权已过期');
      throw new AppError('UNAUTHENTICATED', '未登录');
    }
    const principal = principalFromPayload(payload);
    if (!principal) throw new AppError('UNAUTHENTICATED', '未登录');
    const exp = (payload as { exp: number }).exp;
    verified.set(token, { principal, expiresAt: (exp + CLOCK_TOLERANCE_SECONDS) * 1000 });
    return principal;
  }

  return guard('user', (req, res, next) => {
    if (sentTwice(req)) throw new AppError('UNAUTHENTICATED', '未登录');
    const token = tokenOf(req);
    if (!token) throw new AppError('UNAUTHENTICATED', '请登录');
    res.locals.principal = verify(token);
    next();
  });
}

/** The authenticated caller. Throws (a 500) when a route forgot authenticate(): fail closed, loudly. */
export function principalOf(res: Response): Principal {
  const principal: unknown = res.locals.principal;
  if (typeof principal !== 'object' || principal === null) {
    throw new Error('principalOf: no principal on this response; mount authenticate() before the handler');
  }
  return principal as Principal;
}

/** Whose records a caller reads, in the srvs' convention: an admin's userId 0 means every user's. */
export function ownerFilter(principal: Principal): number {
  return principal.role === 'admin' ? 0 : principal.userId;
}

export function requireAdmin(): RequestHandler {
  return guard('admin', (_req, res, next) => {
    if (principalOf(res).role !== 'admin') throw new AppError('PERMISSION_DENIED', '无权限');
    next();
  });
}

export interface SignTokenOptions {
  userId: number;
  nickName?: string;
  admin?: boolean;
  expiresInSeconds?: number;
}

/** Signs the exact claims the course's user-web issues, so tokens from either are interchangeable. */
export function signToken(key: string, options: SignTokenOptions): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    ID: options.userId,
    NickName: options.nickName ?? '',
    AuthorityId: options.admin ? ADMIN_AUTHORITY : USER_AUTHORITY,
    exp: now + (options.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
    nbf: now - NOT_BEFORE_BACKDATE_SECONDS,
    iss: 'imooc',
  };
  // noTimestamp: the course's tokens have no `iat`.
  return jwt.sign(payload, key, { algorithm: 'HS256', noTimestamp: true });
}
