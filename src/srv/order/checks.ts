// The order srv's request checks, answered as the course's srvs do: INVALID_ARGUMENT naming the field.
import * as grpc from '@grpc/grpc-js';
import { RpcError } from '../grpc-server';

export function invalid(details: string): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, details);
}

export function requirePositive(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1) throw invalid(`${field} 必须是正整数`);
}

/** A user filter: a user id, or 0 for every user (the admin convention). */
export function requireUserFilter(userId: number): void {
  if (!Number.isInteger(userId) || userId < 0) throw invalid('userId 必须是非负整数');
}

/** The value trimmed; blank is refused. */
export function requireText(value: string, field: string): string {
  const text = value.trim();
  if (!text) throw invalid(`${field} 不能为空`);
  return text;
}
