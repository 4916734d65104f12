// The userop srv over real gRPC on 127.0.0.1 (favourites, addresses, messages), on a fresh SQLite dir and
// (when reachable) a throwaway MariaDB database. Each test uses its own user ids, so they share one srv.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, useropSrvSchema } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { createSrvClient, type UseropClient } from '../../global/srv-conn';
import { type RunningSrv, startUseropSrv } from '../../src/srv/userop';
import { createTestStore, rpcFailure, STORE_KINDS, type TestStore } from '../helpers/grpc';
import { queryStore } from '../helpers/stack';

const address = (userId: number, overrides: Partial<Record<string, string>> = {}) => ({
  id: 0,
  userId,
  province: '浙江省',
  city: '杭州市',
  district: '西湖区',
  address: '文三路 90 号',
  signerName: '韩梅梅',
  signerMobile: '13700137000',
  ...overrides,
});

const message = (userId: number, messageType = 2) => ({
  id: 0,
  userId,
  messageType,
  subject: '配送太慢',
  message: '下单三天还没发货',
  file: 'https://static.mxshop.dev/upload/1.png',
});

const failure = (code: grpc.status, details: string) => rpcFailure('userop', code, details);

describe.each(STORE_KINDS)('userop srv on %s', (kind) => {
  let store: TestStore | undefined;
  let skipped: string | undefined;
  let srv: RunningSrv | undefined;
  let client: ReturnType<typeof createSrvClient<'userop'>> | undefined;
  let userop: UseropClient;

  beforeAll(async () => {
    const created = await createTestStore(kind, 'userop');
    if ('skipped' in created) {
      skipped = created.skipped;
      return;
    }
    store = created;
    srv = await startUseropSrv(parseConfig(useropSrvSchema, { ...store.env, USEROP_SRV: '127.0.0.1:0', LOG_LEVEL: 'silent' }), {
      logger: silentLogger,
    });
    client = createSrvClient('userop', srv.address, { deadlineMs: 2000 });
    userop = client.api;
  });
  afterAll(async () => {
    client?.close();
    await srv?.stop();
    await store?.cleanup();
  });
  beforeEach((ctx) => {
    if (skipped) ctx.skip(skipped);
  });

  const rows = (sql: string, params: unknown[] = []) => queryStore<Record<string, unknown>>(store?.env ?? {}, 'userop', sql, params);

  describe('favourites (UserFav)', () => {
    it('when a user adds favourites then GetFavList answers them by user, by goods, and all with userId 0', async () => {
      await userop.AddUserFav({ userId: 101, goodsId: 3 });
      await userop.AddUserFav({ userId: 101, goodsId: 5 });
      await userop.AddUserFav({ userId: 102, goodsId: 3 });

      expect(await userop.GetFavList({ userId: 101, goodsId: 0 })).toEqual({
        total: 2,
        data: [
          { userId: 101, goodsId: 3 },
          { userId: 101, goodsId: 5 },
        ],
      });
      expect(await userop.GetFavList({ userId: 0, goodsId: 3 })).toEqual({
        total: 2,
        data: [
          { userId: 101, goodsId: 3 },
          { userId: 102, goodsId: 3 },
        ],
      });
      expect(await userop.GetFavList({ userId: 102, goodsId: 5 })).toEqual({ total: 0, data: [] });
      const all = await userop.GetFavList({ userId: 0, goodsId: 0 });
      expect(all.data).toEqual(expect.arrayContaining([{ userId: 102, goodsId: 3 }]));
      expect(all.total).toBe(all.data.length);
    });

    it('when a goods is already a favourite then AddUserFav is ALREADY_EXISTS and nothing more is written', async () => {
      await userop.AddUserFav({ userId: 103, goodsId: 7 });
      await expect(userop.AddUserFav({ userId: 103, goodsId: 7 })).rejects.toMatchObject(
        failure(grpc.status.ALREADY_EXISTS, '已收藏该商品'),
      );
      expect(await rows('SELECT goods_id FROM user_fav WHERE user_id = ?', [103])).toEqual([{ goods_id: 7 }]);
    });

    it('when the same favourite is added twice at once then one add wins and the other is ALREADY_EXISTS', async () => {
      const results = await Promise.allSettled([
        userop.AddUserFav({ userId: 104, goodsId: 9 }),
        userop.AddUserFav({ userId: 104, goodsId: 9 }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({
        reason: failure(grpc.status.ALREADY_EXISTS, '已收藏该商品'),
      });
      expect((await userop.GetFavList({ userId: 104, goodsId: 0 })).total).toBe(1);
    });

    it('when GetUserFavDetail asks then a favourite answers Empty and anything else NOT_FOUND "收藏记录不存在"', async () => {
      await userop.AddUserFav({ userId: 105, goodsId: 2 });
      expect(await userop.GetUserFavDetail({ userId: 105, goodsId: 2 })).toEqual({});
      await expect(userop.GetUserFavDetail({ userId: 105, goodsId: 4 })).rejects.toMatchObject(
        failure(grpc.status.NOT_FOUND, '收藏记录不存在'),
      );
      // Another user's favourite is not this user's.
      await expect(userop.GetUserFavDetail({ userId: 106, goodsId: 2 })).rejects.toMatchObject(
        failure(grpc.status.NOT_FOUND, '收藏记录不存在'),
      );
    });

    it('when a favourite is deleted then it is gone, a second delete is NOT_FOUND, and it can be added again', async () => {
      await userop.AddUserFav({ userId: 107, goodsId: 6 });
      await userop.AddUserFav({ userId: 108, goodsId: 6 });
      expect(await userop.DeleteUserFav({ userId: 107, goodsId: 6 })).toEqual({});
      await expect(userop.DeleteUserFav({ userId: 107, goodsId: 6 })).rejects.toMatchObject(
        failure(grpc.status.NOT_FOUND, '收藏记录不存在'),
      );
      expect(await userop.GetFavList({ userId: 107, goodsId: 0 })).toEqual({ total: 0, data: [] });
      // Only the owner's favourite went.
      expect(await userop.GetFavList({ userId: 108, goodsId: 0 })).toEqual({ total: 1, data: [{ userId: 108, goodsId: 6 }] });
      await userop.AddUserFav({ userId: 107, goodsId: 6 });
      expect(await userop.GetUserFavDetail({ userId: 107, goodsId: 6 })).toEqual({});
    });

    it.each([
      [{ userId: 0, goodsId: 3 }, '用户id不合法'],
      [{ userId: -1, goodsId: 3 }, '用户id不合法'],
      [{ userId: 109, goodsId: 0 }, '商品id不合法'],
    ])('when AddUserFav gets %j then INVALID_ARGUMENT %s and nothing is written', async (request, details) => {
      await expect(userop.AddUserFav(request)).rejects.toMatchObject(failure(grpc.status.INVALID_ARGUMENT, details));
      expect(await rows('SELECT id FROM user_fav WHERE user_id IN (0, -1, 109)')).toEqual([]);
    });
  });

  describe('addresses (Address)', () => {
    it('when an address is created then every field is answered and GetAddressList shows it to its owner only', async () => {
      const created = await userop.CreateAddress(address(201));
      expect(created).toEqual({ ...address(201), id: expect.any(Number) });
      expect(created.id).toBeGreaterThan(0);
      expect(await userop.GetAddressList({ userId: 201 })).toEqual({ total: 1, data: [created] });
      expect(await userop.GetAddressList({ userId: 202 })).toEqual({ total: 0, data: [] });
    });

    it('when userId is 0 then GetAddressList answers every user’s addresses, and an id narrows it to that address', async () => {
      const a = await userop.CreateAddress(address(203));
      const b = await userop.CreateAddress(address(204, { city: '宁波市' }));
      const all = await userop.GetAddressList({ userId: 0 });
      expect(all.data).toEqual(expect.arrayContaining([a, b]));
      expect(all.total).toBe(all.data.length);
      expect(await userop.GetAddressList({ userId: 0, id: b.id })).toEqual({ total: 1, data: [b] });
      expect(await userop.GetAddressList({ userId: 203, id: b.id })).toEqual({ total: 0, data: [] });
    });

    it('when the owner updates some fields then only the non-empty ones change', async () => {
      const a = await userop.CreateAddress(address(205));
      const change = {
        id: a.id,
        userId: 205,
        province: '',
        city: '',
        district: '滨江区',
        address: '网商路 699 号',
        signerName: '',
        signerMobile: '',
      };
      expect(await userop.UpdateAddress(change)).toEqual({});
      expect(await userop.GetAddressList({ userId: 205 })).toEqual({
        total: 1,
        data: [{ ...a, district: '滨江区', address: '网商路 699 号' }],
      });
    });

    it('when another user updates or deletes an address then NOT_FOUND "收货地址不存在", the same as a missing one, and nothing changes', async () => {
      const a = await userop.CreateAddress(address(206));
      const hostile = { ...address(207, { signerName: '坏人' }), id: a.id };
      await expect(userop.UpdateAddress(hostile)).rejects.toMatchObject(failure(grpc.status.NOT_FOUND, '收货地址不存在'));
      await expect(userop.DeleteAddress(hostile)).rejects.toMatchObject(failure(grpc.status.NOT_FOUND, '收货地址不存在'));
      await expect(userop.UpdateAddress({ ...hostile, userId: 206, id: 999_999 })).rejects.toMatchObject(
        failure(grpc.status.NOT_FOUND, '收货地址不存在'),
      );
      expect(await userop.GetAddressList({ userId: 206 })).toEqual({ total: 1, data: [a] });
    });

    it('when userId is 0 then UpdateAddress finds the address by id alone (the admin convention)', async () => {
      const a = await userop.CreateAddress(address(208));
      await userop.UpdateAddress({ ...address(0, { signerName: '客服改' }), id: a.id });
      expect(await userop.GetAddressList({ userId: 208 })).toEqual({ total: 1, data: [{ ...a, signerName: '客服改' }] });
    });

    it('when the owner deletes an address then it is deleted logically: gone from every read and update, kept in the store', async () => {
      const a = await userop.CreateAddress(address(209));
      expect(await userop.DeleteAddress({ id: a.id, userId: 209 })).toEqual({});
      expect(await userop.GetAddressList({ userId: 209 })).toEqual({ total: 0, data: [] });
      expect(await userop.GetAddressList({ userId: 0, id: a.id })).toEqual({ total: 0, data: [] });
      await expect(userop.DeleteAddress({ id: a.id, userId: 209 })).rejects.toMatchObject(failure(grpc.status.NOT_FOUND, '收货地址不存在'));
      await expect(userop.UpdateAddress({ ...address(209), id: a.id })).rejects.toMatchObject(
        failure(grpc.status.NOT_FOUND, '收货地址不存在'),
      );
      expect(await rows('SELECT user_id, is_deleted FROM address WHERE id = ?', [a.id])).toEqual([{ user_id: 209, is_deleted: 1 }]);
    });

    it.each([
      ['a userId of 0', address(0), '用户id不合法'],
      ['a province of 101 characters', address(210, { province: '省'.repeat(101) }), '省份不能超过100个字符'],
      ['a mobile of 12 characters', address(210, { signerMobile: '137001370001' }), '签收电话不能超过11个字符'],
    ])('when CreateAddress gets %s then INVALID_ARGUMENT and nothing is written', async (_, request, details) => {
      await expect(userop.CreateAddress(request)).rejects.toMatchObject(failure(grpc.status.INVALID_ARGUMENT, details));
      expect(await rows('SELECT id FROM address WHERE user_id IN (0, 210)')).toEqual([]);
    });

    it('when a field is exactly 100 characters then it is kept whole', async () => {
      const long = '路'.repeat(100);
      const a = await userop.CreateAddress(address(211, { address: long }));
      expect((await userop.GetAddressList({ userId: 211 })).data).toEqual([{ ...a, address: long }]);
    });
  });

  describe('messages (Message)', () => {
    it('when a user leaves a message then every field is answered and MessageList shows it to its owner, and to userId 0', async () => {
      const created = await userop.CreateMessage(message(301));
      // addTime (field 7, our addition) says when, as the order srv's addTime does.
      expect(created).toEqual({
        ...message(301),
        id: expect.any(Number),
        addTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      });
      expect(await userop.MessageList({ userId: 301 })).toEqual({ total: 1, data: [created] });
      expect(await userop.MessageList({ userId: 302 })).toEqual({ total: 0, data: [] });
      const all = await userop.MessageList({ userId: 0 });
      expect(all.data).toEqual(expect.arrayContaining([created]));
      expect(all.total).toBe(all.data.length);
    });

    it.each([1, 2, 3, 4, 5])('when the message type is %i then it is kept', async (type) => {
      const created = await userop.CreateMessage(message(303 + type, type));
      expect((await userop.MessageList({ userId: 303 + type })).data).toEqual([{ ...created, messageType: type }]);
    });

    it.each([
      ['type 0', { ...message(310), messageType: 0 }, '留言类型不合法'],
      ['type 6', { ...message(310), messageType: 6 }, '留言类型不合法'],
      ['a subject of 101 characters', { ...message(310), subject: '题'.repeat(101) }, '主题不能超过100个字符'],
      ['a file of 101 characters', { ...message(310), file: `https://x/${'f'.repeat(91)}` }, '文件不能超过100个字符'],
      ['a userId of 0', message(0), '用户id不合法'],
    ])('when CreateMessage gets %s then INVALID_ARGUMENT and nothing is written', async (_, request, details) => {
      await expect(userop.CreateMessage(request)).rejects.toMatchObject(failure(grpc.status.INVALID_ARGUMENT, details));
      expect(await rows('SELECT id FROM leaving_message WHERE user_id IN (0, 310)')).toEqual([]);
    });
  });

  it('when stopped twice then the second stop is harmless', async () => {
    const other = await createTestStore(kind, 'userop-stop');
    if ('skipped' in other) return;
    try {
      const running = await startUseropSrv(parseConfig(useropSrvSchema, { ...other.env, USEROP_SRV: '127.0.0.1:0' }), {
        logger: silentLogger,
      });
      await running.stop();
      await expect(running.stop()).resolves.toBeUndefined();
    } finally {
      await other.cleanup();
    }
  });
});
