// Userop srv handlers: favourites, delivery addresses and messages (CONTRACT §6), the course's RPCs with
// its holes fixed: a duplicate favourite is ALREADY_EXISTS, and an address is found by its id AND its
// owner unless the caller passes userId 0 (the admin convention), so nobody edits another user's address.
import * as grpc from '@grpc/grpc-js';
import type { Kysely, Selectable } from 'kysely';
import { formatAddTime } from '../../../global/add-time';
import type { UseropDefinition } from '../../../global/proto';
import { MESSAGE_TYPES, UseropLimits, UseropMessage } from '../../../global/wire';
import type { AddressRequest__Output } from '../../../proto/types/AddressRequest';
import type { AddressResponse } from '../../../proto/types/AddressResponse';
import type { MessageResponse } from '../../../proto/types/MessageResponse';
import { isUniqueViolation } from '../database';
import { type AsyncHandlers, RpcError } from '../grpc-server';
import type { AddressTable, LeavingMessageTable, UseropSchema } from './schema';

const INT32_MAX = 2 ** 31 - 1;
const isId = (id: number) => Number.isInteger(id) && id >= 1 && id <= INT32_MAX;

function invalid(message: string): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, message);
}

function checkUserId(userId: number): number {
  if (!isId(userId)) throw invalid('用户id不合法');
  return userId;
}

function checkLength(label: string, value: string, max: number): string {
  if (value.length > max) throw invalid(`${label}不能超过${max}个字符`);
  return value;
}

/** The address fields of a request, in their columns, each within the course's length. */
function addressColumns(request: AddressRequest__Output) {
  return {
    province: checkLength('省份', request.province, UseropLimits.text),
    city: checkLength('城市', request.city, UseropLimits.text),
    district: checkLength('区域', request.district, UseropLimits.text),
    address: checkLength('详细地址', request.address, UseropLimits.text),
    signer_name: checkLength('签收人', request.signerName, UseropLimits.text),
    signer_mobile: checkLength('签收电话', request.signerMobile, UseropLimits.signerMobile),
  };
}

function toAddress(row: Selectable<AddressTable>): AddressResponse {
  return {
    id: row.id,
    userId: row.user_id,
    province: row.province,
    city: row.city,
    district: row.district,
    address: row.address,
    signerName: row.signer_name,
    signerMobile: row.signer_mobile,
  };
}

function toMessage(row: Selectable<LeavingMessageTable>): MessageResponse {
  return {
    id: row.id,
    userId: row.user_id,
    messageType: row.message_type,
    subject: row.subject,
    message: row.message,
    file: row.file,
    addTime: formatAddTime(Number(row.created_at)),
  };
}

export interface UseropServiceDeps {
  db: Kysely<UseropSchema>;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export function createUseropService({ db, now = Date.now }: UseropServiceDeps): AsyncHandlers<UseropDefinition> {
  /** A live address by id, and by owner unless userId is 0; absent, deleted or someone else's look the same. */
  function findAddress(from: Kysely<UseropSchema>, id: number, userId: number) {
    if (!isId(id)) return Promise.resolve(undefined);
    let query = from.selectFrom('address').selectAll().where('id', '=', id).where('is_deleted', '=', 0);
    if (userId !== 0) query = query.where('user_id', '=', userId);
    return query.executeTakeFirst();
  }

  async function liveAddress(trx: Kysely<UseropSchema>, request: AddressRequest__Output) {
    const row = await findAddress(trx, request.id, request.userId);
    if (!row) throw new RpcError(grpc.status.NOT_FOUND, UseropMessage.AddressNotFound);
    return row;
  }

  return {
    /** By user when userId is non-zero, by goods when goodsId is non-zero; in the order they were added. */
    async GetFavList(request) {
      let query = db.selectFrom('user_fav').select(['user_id', 'goods_id']).orderBy('id');
      if (request.userId !== 0) query = query.where('user_id', '=', request.userId);
      if (request.goodsId !== 0) query = query.where('goods_id', '=', request.goodsId);
      const rows = await query.execute();
      return { total: rows.length, data: rows.map((r) => ({ userId: r.user_id, goodsId: r.goods_id })) };
    },

    async AddUserFav(request) {
      const userId = checkUserId(request.userId);
      if (!isId(request.goodsId)) throw invalid('商品id不合法');
      try {
        await db.insertInto('user_fav').values({ user_id: userId, goods_id: request.goodsId, created_at: now() }).execute();
      } catch (err) {
        // The unique (user, goods) index decides, so two concurrent adds make one favourite and one refusal.
        if (isUniqueViolation(err)) throw new RpcError(grpc.status.ALREADY_EXISTS, UseropMessage.FavExists);
        throw err;
      }
      return {};
    },

    async DeleteUserFav(request) {
      const deleted = await db
        .deleteFrom('user_fav')
        .where('user_id', '=', request.userId)
        .where('goods_id', '=', request.goodsId)
        .executeTakeFirst();
      if (deleted.numDeletedRows === 0n) throw new RpcError(grpc.status.NOT_FOUND, UseropMessage.FavNotFound);
      return {};
    },

    async GetUserFavDetail(request) {
      const row = await db
        .selectFrom('user_fav')
        .select('id')
        .where('user_id', '=', request.userId)
        .where('goods_id', '=', request.goodsId)
        .executeTakeFirst();
      if (!row) throw new RpcError(grpc.status.NOT_FOUND, UseropMessage.FavNotFound);
      return {};
    },

    /** userId 0: every user's. A non-zero id narrows it to that address (the course's srv ignores id here). */
    async GetAddressList(request) {
      let query = db.selectFrom('address').selectAll().where('is_deleted', '=', 0).orderBy('id');
      if (request.userId !== 0) query = query.where('user_id', '=', request.userId);
      if (request.id !== 0) query = query.where('id', '=', request.id);
      const rows = await query.execute();
      return { total: rows.length, data: rows.map(toAddress) };
    },

    /** Answers every field of the new address (the course's answers only its id). */
    async CreateAddress(request) {
      const userId = checkUserId(request.userId);
      const at = now();
      const columns = addressColumns(request);
      const inserted = await db
        .insertInto('address')
        .values({ user_id: userId, ...columns, is_deleted: 0, created_at: at, updated_at: at })
        .executeTakeFirstOrThrow();
      return toAddress({ id: Number(inserted.insertId), user_id: userId, ...columns, is_deleted: 0, created_at: at, updated_at: at });
    },

    /** One conditional UPDATE decides, so of concurrent deletes of one address exactly one succeeds. */
    async DeleteAddress(request) {
      if (!isId(request.id)) throw new RpcError(grpc.status.NOT_FOUND, UseropMessage.AddressNotFound);
      let update = db
        .updateTable('address')
        .set({ is_deleted: 1, updated_at: now() })
        .where('id', '=', request.id)
        .where('is_deleted', '=', 0);
      if (request.userId !== 0) update = update.where('user_id', '=', request.userId);
      const deleted = await update.executeTakeFirst();
      if (deleted.numUpdatedRows === 0n) throw new RpcError(grpc.status.NOT_FOUND, UseropMessage.AddressNotFound);
      return {};
    },

    /** Only the fields given non-empty change, as the course's srv does. */
    async UpdateAddress(request) {
      const changes = Object.fromEntries(Object.entries(addressColumns(request)).filter(([, value]) => value !== ''));
      await db.transaction().execute(async (trx) => {
        const row = await liveAddress(trx, request);
        await trx
          .updateTable('address')
          .set({ ...changes, updated_at: now() })
          .where('id', '=', row.id)
          .execute();
      });
      return {};
    },

    async MessageList(request) {
      let query = db.selectFrom('leaving_message').selectAll().where('is_deleted', '=', 0).orderBy('id');
      if (request.userId !== 0) query = query.where('user_id', '=', request.userId);
      const rows = await query.execute();
      return { total: rows.length, data: rows.map(toMessage) };
    },

    async CreateMessage(request) {
      const userId = checkUserId(request.userId);
      if (!(MESSAGE_TYPES as readonly number[]).includes(request.messageType)) throw invalid('留言类型不合法');
      const at = now();
      const row = {
        user_id: userId,
        message_type: request.messageType,
        subject: checkLength('主题', request.subject, UseropLimits.text),
        message: checkLength('内容', request.message, UseropLimits.message),
        file: checkLength('文件', request.file, UseropLimits.text),
        is_deleted: 0,
        created_at: at,
        updated_at: at,
      };
      const inserted = await db.insertInto('leaving_message').values(row).executeTakeFirstOrThrow();
      return toMessage({ id: Number(inserted.insertId), ...row });
    },
  };
}
