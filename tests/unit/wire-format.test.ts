// Pins the wire format of proto/ (CONTRACT §1) with golden bytes written out by hand from the field numbers and
// wire types: a renumbered, retyped or renamed-package field breaks one of these. A tag byte is
// (field << 3) | wire type, with wire types 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (float).
// Messages are encoded and decoded through the service definitions that clients and servers actually use.
import { describe, expect, it } from 'vitest';
import { serviceDefinitions } from '../../global/proto';

const defs = serviceDefinitions();
const order = defs.order.service;
const goods = defs.goods.service;
const inventory = defs.inventory.service;
const userop = defs.userop.service;

/** Joins golden hex written in commented chunks, dropping spaces. */
const hex = (...parts: string[]) => parts.join('').replace(/\s+/g, '');

// Reused strings and their bytes.
// "SN0001"                → 53 4e 30 30 30 31 (6 bytes)
// "13800138000"           → 31 33 38 30 30 31 33 38 30 30 30 (11 bytes)
// "100000"                → 31 30 30 30 30 30 (6 bytes)
// "g/03.jpg"              → 67 2f 30 33 2e 6a 70 67 (8 bytes)
// "草莓" U+8349 U+8393     → e8 8d 89 e8 8e 93 (6 bytes of UTF-8)
// 1704081600 (2024-01-01 12:00:00 +08:00) as a varint → c0 f1 c8 ac 06
// float32 59.8  = 0x426f3333 → 33 33 6f 42 (little endian); decodes as 59.79999923706055
// float32 12.35 = 0x4145999a → 9a 99 45 41
// float32 15.8  = 0x417ccccd → cd cc 7c 41

const SHOP_CART_INFO = {
  value: { id: 11, userId: 7, goodsId: 3, nums: 2, checked: true },
  bytes: hex(
    '08 0b', //  1 id int32 = 11
    '10 07', //  2 userId int32 = 7
    '18 03', //  3 goodsId int32 = 3
    '20 02', //  4 nums int32 = 2
    '28 01', //  5 checked bool = true
  ),
};

const ORDER_INFO = {
  value: {
    id: 12,
    userId: 7,
    orderSn: 'SN0001',
    payType: 'alipay',
    status: 'WAIT_BUYER_PAY',
    post: '100000',
    total: 59.8,
    address: 'BJ',
    name: 'Li',
    mobile: '13800138000',
    addTime: '2024-01-01 12:00:00',
  },
  bytes: hex(
    '08 0c', //                                                1 id int32 = 12
    '10 07', //                                                2 userId int32 = 7
    '1a 06 53 4e 30 30 30 31', //                              3 orderSn string "SN0001"
    '22 06 61 6c 69 70 61 79', //                              4 payType string "alipay"
    '2a 0e 57 41 49 54 5f 42 55 59 45 52 5f 50 41 59', //      5 status string "WAIT_BUYER_PAY" (14)
    '32 06 31 30 30 30 30 30', //                              6 post string "100000"
    '3d 33 33 6f 42', //                                       7 total float (fixed32) = 59.8
    '42 02 42 4a', //                                          8 address string "BJ"
    '4a 02 4c 69', //                                          9 name string "Li"
    '52 0b 31 33 38 30 30 31 33 38 30 30 30', //              10 mobile string "13800138000"
    '5a 13 32 30 32 34 2d 30 31 2d 30 31 20 31 32 3a 30 30 3a 30 30', // 11 addTime string (19)
  ), // 91 bytes = 0x5b
};

const ORDER_ITEM = {
  value: { id: 21, orderId: 12, goodsId: 3, goodsName: '草莓', goodsImage: 'g/03.jpg', goodsPrice: 12.35, nums: 2 },
  bytes: hex(
    '08 15', //                            1 id int32 = 21
    '10 0c', //                            2 orderId int32 = 12
    '18 03', //                            3 goodsId int32 = 3
    '22 06 e8 8d 89 e8 8e 93', //          4 goodsName string "草莓"
    '2a 08 67 2f 30 33 2e 6a 70 67', //    5 goodsImage string "g/03.jpg"
    '35 9a 99 45 41', //                   6 goodsPrice float (fixed32) = 12.35
    '38 02', //                            7 nums int32 = 2
  ), // 31 bytes = 0x1f
};

const GOODS_INFO_BYTES = hex(
  '08 03', //                              1 id int32 = 3
  '10 05', //                              2 categoryId int32 = 5
  '1a 06 e8 8d 89 e8 8e 93', //            3 name string "草莓"
  '22 06 53 58 30 30 30 33', //            4 goodsSn string "SX0003"
  '40 64', //                              8 stocks int32 = 100
  '4d cd cc 7c 41', //                     9 marketPrice float = 15.8
  '55 9a 99 45 41', //                    10 shopPrice float = 12.35
  '68 01', //                             13 shipFree bool = true
  '72 08 67 2f 30 33 2e 6a 70 67', //     14 images repeated string ["g/03.jpg"] (strings are never packed)
  '82 01 08 67 2f 30 33 2e 6a 70 67', //  16 goodsFrontImage string: tag 16<<3|2 = 130 → varint 82 01
  '98 01 01', //                          19 onSale bool: tag 19<<3|0 = 152 → 98 01
  'a0 01 c0 f1 c8 ac 06', //              20 addTime int64: tag 160 → a0 01; 1704081600 as varint
  'aa 01 0a 08 05 12 06 e6 b0 b4 e6 9e 9c', // 21 category {1 id = 5, 2 name "水果"}: tag 170 → aa 01, 10 bytes
  'b2 01 0f 08 02 12 04 44 6f 6c 65 1a 05 6c 2e 70 6e 67', // 22 brand {1 id = 2, 2 name "Dole", 3 logo "l.png"}: tag 178 → b2 01, 15 bytes
); // 96 bytes = 0x60

/**
 * The GoodsInfoResponse the golden bytes encode: unset fields left out, because protobufjs writes a scalar that is
 * set explicitly even when it is the default (0, '', false). Decoders accept both; the golden bytes stay minimal.
 */
const GOODS_INFO_VALUE = {
  id: 3,
  categoryId: 5,
  name: '草莓',
  goodsSn: 'SX0003',
  stocks: 100,
  marketPrice: 15.8,
  shopPrice: 12.35,
  shipFree: true,
  images: ['g/03.jpg'],
  goodsFrontImage: 'g/03.jpg',
  onSale: true,
  addTime: 1704081600,
  category: { id: 5, name: '水果' },
  brand: { id: 2, name: 'Dole', logo: 'l.png' },
};

/** GoodsInfoResponse as the decoder answers it (defaults: true fills every unset field). */
const GOODS_INFO_DECODED = {
  id: 3,
  categoryId: 5,
  name: '草莓',
  goodsSn: 'SX0003',
  clickNum: 0,
  soldNum: 0,
  favNum: 0,
  stocks: 100,
  marketPrice: Math.fround(15.8),
  shopPrice: Math.fround(12.35),
  goodsBrief: '',
  goodsDesc: '',
  shipFree: true,
  images: ['g/03.jpg'],
  descImages: [],
  goodsFrontImage: 'g/03.jpg',
  isNew: false,
  isHot: false,
  onSale: true,
  addTime: 1704081600,
  category: { id: 5, name: '水果' },
  brand: { id: 2, name: 'Dole', logo: 'l.png' },
};

/** Floats come back as float32; everything else as written. */
const asDecoded = <T extends object>(value: T, floats: (keyof T)[]) =>
  Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, floats.includes(k as keyof T) ? Math.fround(v as number) : v]),
  ) as T;

describe('the wire format of proto/', () => {
  it('when the services are loaded then package, service and RPC paths are the course contract', () => {
    const paths = (service: Record<string, { path: string }>) => Object.values(service).map((m) => m.path).sort();
    expect(paths(order)).toEqual(
      [
        'CartItemList',
        'CreateCartItem',
        'UpdateCartItem',
        'DeleteCartItem',
        'CreateOrder',
        'OrderList',
        'OrderDetail',
        'UpdateOrderStatus',
        'ReconcileOrders', // added by us; the course's srvs answer it UNIMPLEMENTED
      ]
        .map((rpc) => `/proto.Order/${rpc}`)
        .sort(),
    );
    expect(paths(goods)).toEqual(['/Goods/BatchGetGoods', '/Goods/GetGoodsDetail']);
    expect(paths(inventory)).toEqual(['/Inventory/InvDetail', '/Inventory/Reback', '/Inventory/Sell', '/Inventory/SetInv']);
    // The userop srv's three services, without a package, served together (one definition, one channel).
    expect(paths(userop)).toEqual([
      '/Address/CreateAddress',
      '/Address/DeleteAddress',
      '/Address/GetAddressList',
      '/Address/UpdateAddress',
      '/Message/CreateMessage',
      '/Message/MessageList',
      '/UserFav/AddUserFav',
      '/UserFav/DeleteUserFav',
      '/UserFav/GetFavList',
      '/UserFav/GetUserFavDetail',
    ]);
  });

  describe('order.proto', () => {
    it('when a UserInfo is encoded then it is field 1 varint', () => {
      const bytes = hex('08 07'); // 1 id int32 = 7
      expect(order.CartItemList.requestSerialize({ id: 7 }).toString('hex')).toBe(bytes);
      expect(order.CartItemList.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual({ id: 7 });
    });

    it('when a CartItemRequest is encoded then fields 1..4 are varints', () => {
      const value = { userId: 7, goodsId: 3, nums: 2, checked: true };
      const bytes = hex(
        '08 07', // 1 userId int32 = 7
        '10 03', // 2 goodsId int32 = 3
        '18 02', // 3 nums int32 = 2
        '20 01', // 4 checked bool = true
      );
      expect(order.CreateCartItem.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(order.UpdateCartItem.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(order.CreateCartItem.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual({ ...value, keepChecked: false });
    });

    it('when a CartItemRequest says keepChecked then it is the added field 5, which an old srv skips', () => {
      const value = { userId: 7, goodsId: 3, nums: 2, checked: false, keepChecked: true };
      const bytes = hex(
        '08 07', // 1 userId int32 = 7
        '10 03', // 2 goodsId int32 = 3
        '18 02', // 3 nums int32 = 2
        '20 00', // 4 checked bool = false (protobufjs writes a field that is given)
        '28 01', // 5 keepChecked bool = true (added)
      );
      expect(order.UpdateCartItem.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(order.UpdateCartItem.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when a ShopCartInfoResponse is encoded then fields 1..5 are varints', () => {
      expect(order.CreateCartItem.responseSerialize(SHOP_CART_INFO.value).toString('hex')).toBe(SHOP_CART_INFO.bytes);
      expect(order.CreateCartItem.responseDeserialize(Buffer.from(SHOP_CART_INFO.bytes, 'hex'))).toEqual(SHOP_CART_INFO.value);
    });

    it('when a CartItemListResponse is encoded then its items are length-delimited field 2', () => {
      const value = { total: 1, data: [SHOP_CART_INFO.value] };
      const bytes = hex(
        '08 01', //                       1 total int32 = 1
        '12 0a', SHOP_CART_INFO.bytes, // 2 data[0] ShopCartInfoResponse (10 bytes)
      );
      expect(order.CartItemList.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(order.CartItemList.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when an OrderRequest is encoded then strings are UTF-8 in fields 3..6', () => {
      const value = { id: 5, userId: 7, address: '北京', mobile: '13800138000', name: '张三', post: '100000' };
      const bytes = hex(
        '08 05', //                                     1 id int32 = 5
        '10 07', //                                     2 userId int32 = 7
        '1a 06 e5 8c 97 e4 ba ac', //                   3 address string "北京" (U+5317 U+4EAC)
        '22 0b 31 33 38 30 30 31 33 38 30 30 30', //    4 mobile string "13800138000"
        '2a 06 e5 bc a0 e4 b8 89', //                   5 name string "张三" (U+5F20 U+4E09)
        '32 06 31 30 30 30 30 30', //                   6 post string "100000"
      );
      expect(order.CreateOrder.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(order.OrderDetail.requestSerialize(value).toString('hex')).toBe(bytes);
      // A course client's request decodes with our addition at its default.
      expect(order.CreateOrder.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual({ ...value, orderSn: '' });
    });

    it('when an OrderRequest carries the added orderSn then it is field 7 and nothing else moves', () => {
      const bytes = hex('3a 06 53 4e 30 30 30 31'); // 7 orderSn string "SN0001"
      expect(order.OrderDetail.requestSerialize({ orderSn: 'SN0001' }).toString('hex')).toBe(bytes);
      expect(order.OrderDetail.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual({
        id: 0, userId: 0, address: '', mobile: '', name: '', post: '', orderSn: 'SN0001',
      });
    });

    it('when an OrderInfoResponse is encoded then all 11 fields keep their numbers and total is a float32', () => {
      expect(order.CreateOrder.responseSerialize(ORDER_INFO.value).toString('hex')).toBe(ORDER_INFO.bytes);
      const decoded = order.CreateOrder.responseDeserialize(Buffer.from(ORDER_INFO.bytes, 'hex'));
      expect(decoded).toEqual({ ...ORDER_INFO.value, total: 59.79999923706055, expireAt: 0 });
    });

    it('when an OrderInfoResponse carries the added expireAt then it is an int64 varint in field 12', () => {
      const value = { ...ORDER_INFO.value, expireAt: 1704081600 };
      const bytes = hex(ORDER_INFO.bytes, '60 c0 f1 c8 ac 06'); // 12 expireAt int64 = 1704081600
      expect(order.CreateOrder.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(order.CreateOrder.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual({ ...value, total: 59.79999923706055 });
    });

    it('when an OrderFilterRequest is encoded then fields 1..3 are varints', () => {
      const value = { userId: 7, pages: 2, pagePerNums: 10 };
      const bytes = hex(
        '08 07', // 1 userId int32 = 7
        '10 02', // 2 pages int32 = 2
        '18 0a', // 3 pagePerNums int32 = 10
      );
      expect(order.OrderList.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(order.OrderList.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when an OrderListResponse is encoded then its orders are length-delimited field 2', () => {
      const value = { total: 3, data: [ORDER_INFO.value] };
      const bytes = hex(
        '08 03', //                   1 total int32 = 3
        '12 5b', ORDER_INFO.bytes, // 2 data[0] OrderInfoResponse (91 bytes)
      );
      expect(order.OrderList.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(order.OrderList.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual({
        total: 3,
        data: [{ ...asDecoded(ORDER_INFO.value, ['total']), expireAt: 0 }],
      });
    });

    it('when an OrderInfoDetailResponse is encoded then orderInfo is field 1 and each OrderItemResponse field 2', () => {
      const value = { orderInfo: ORDER_INFO.value, data: [ORDER_ITEM.value] };
      const bytes = hex(
        '0a 5b', ORDER_INFO.bytes, // 1 orderInfo OrderInfoResponse (91 bytes)
        '12 1f', ORDER_ITEM.bytes, // 2 data[0] OrderItemResponse (31 bytes): goodsPrice is field 6 fixed32
      );
      expect(order.OrderDetail.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(order.OrderDetail.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual({
        orderInfo: { ...asDecoded(ORDER_INFO.value, ['total']), expireAt: 0 },
        data: [asDecoded(ORDER_ITEM.value, ['goodsPrice'])],
      });
    });

    it('when an OrderStatus is encoded then payTime is an int64 varint in field 3', () => {
      const value = { orderSn: 'SN0001', status: 'TRADE_SUCCESS', payTime: 1704081600 };
      const bytes = hex(
        '0a 06 53 4e 30 30 30 31', //                          1 orderSn string "SN0001"
        '12 0d 54 52 41 44 45 5f 53 55 43 43 45 53 53', //     2 status string "TRADE_SUCCESS" (13)
        '18 c0 f1 c8 ac 06', //                                3 payTime int64 = 1704081600
      );
      expect(order.UpdateOrderStatus.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(order.UpdateOrderStatus.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual({ ...value, tradeNo: '', totalAmount: '' });
    });

    it('when an OrderStatus carries the added tradeNo and totalAmount then they are strings in fields 4 and 5', () => {
      const value = { orderSn: 'SN0001', status: 'TRADE_SUCCESS', payTime: 1704081600, tradeNo: 'T1', totalAmount: '59.80' };
      const bytes = hex(
        '0a 06 53 4e 30 30 30 31', //                          1 orderSn string "SN0001"
        '12 0d 54 52 41 44 45 5f 53 55 43 43 45 53 53', //     2 status string "TRADE_SUCCESS"
        '18 c0 f1 c8 ac 06', //                                3 payTime int64 = 1704081600
        '22 02 54 31', //                                      4 tradeNo string "T1"
        '2a 05 35 39 2e 38 30', //                             5 totalAmount string "59.80"
      );
      expect(order.UpdateOrderStatus.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(order.UpdateOrderStatus.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when ReconcileOrders is called then its request and response are plain varint fields', () => {
      expect(order.ReconcileOrders.requestSerialize({ olderThanSeconds: 1800 }).toString('hex')).toBe(hex('08 88 0e')); // 1 = 1800
      const bytes = hex('08 05', '10 01', '18 02', '20 02', '28 03'); // 1 checked, 2 paid, 3 closed, 4 unchanged, 5 failed
      const counts = { checked: 5, paid: 1, closed: 2, unchanged: 2, failed: 3 };
      expect(order.ReconcileOrders.responseSerialize(counts).toString('hex')).toBe(bytes);
      expect(order.ReconcileOrders.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual(counts);
    });

    it('when google.protobuf.Empty is encoded then it is zero bytes', () => {
      expect(order.UpdateCartItem.responseSerialize({}).length).toBe(0);
      expect(order.UpdateOrderStatus.responseDeserialize(Buffer.alloc(0))).toEqual({});
    });
  });

  describe('goods.proto', () => {
    it('when a BatchGoodsIdInfo is encoded then ids are a packed repeated int32 in field 1', () => {
      const value = { id: [1, 2, 300] };
      const bytes = hex(
        '0a 04', // 1 id repeated int32, packed: length 4
        '01', //      1
        '02', //      2
        'ac 02', //   300 = 0b10_0101100 → 0xac 0x02
      );
      expect(goods.BatchGetGoods.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(goods.BatchGetGoods.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when a GoodInfoRequest is encoded then it is field 1 varint', () => {
      const bytes = hex('08 03'); // 1 id int32 = 3
      expect(goods.GetGoodsDetail.requestSerialize({ id: 3 }).toString('hex')).toBe(bytes);
      expect(goods.GetGoodsDetail.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual({ id: 3 });
    });

    it('when a GoodsInfoResponse is encoded then shopPrice is field 10 float, goodsFrontImage 16, addTime 20 int64, category 21, brand 22', () => {
      expect(goods.GetGoodsDetail.responseSerialize(GOODS_INFO_VALUE).toString('hex')).toBe(GOODS_INFO_BYTES);
      expect(goods.GetGoodsDetail.responseDeserialize(Buffer.from(GOODS_INFO_BYTES, 'hex'))).toEqual(GOODS_INFO_DECODED);
    });

    it('when a GoodsListResponse is encoded then total is field 1 and goods field 2', () => {
      const bytes = hex(
        '08 01', //                         1 total int32 = 1
        '12 60', GOODS_INFO_BYTES, //       2 data[0] GoodsInfoResponse (96 bytes)
      );
      expect(Buffer.from(GOODS_INFO_BYTES, 'hex').length).toBe(0x60);
      expect(goods.BatchGetGoods.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual({ total: 1, data: [GOODS_INFO_DECODED] });
      expect(goods.BatchGetGoods.responseSerialize({ total: 1, data: [GOODS_INFO_VALUE] }).toString('hex')).toBe(bytes);
    });
  });

  describe('inventory.proto', () => {
    it('when a GoodsInvInfo is encoded then goodsId is field 1 and num field 2', () => {
      const value = { goodsId: 3, num: 5 };
      const bytes = hex(
        '08 03', // 1 goodsId int32 = 3
        '10 05', // 2 num int32 = 5
      );
      expect(inventory.SetInv.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(inventory.InvDetail.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(inventory.InvDetail.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when a SellInfo is encoded then goods lines are repeated field 1 messages and orderSn field 2', () => {
      const value = {
        goodsInfo: [
          { goodsId: 3, num: 2 },
          { goodsId: 7, num: 1 },
        ],
        orderSn: 'SN0001',
      };
      const bytes = hex(
        '0a 04 08 03 10 02', //             1 goodsInfo[0] {goodsId 3, num 2}
        '0a 04 08 07 10 01', //             1 goodsInfo[1] {goodsId 7, num 1}
        '12 06 53 4e 30 30 30 31', //       2 orderSn string "SN0001"
      );
      expect(inventory.Sell.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(inventory.Reback.requestSerialize(value).toString('hex')).toBe(bytes);
      expect(inventory.Sell.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });
  });

  describe('userfav.proto', () => {
    it('when a UserFavRequest is encoded then userId is field 1 and goodsId field 2', () => {
      const value = { userId: 7, goodsId: 3 };
      const bytes = hex(
        '08 07', // 1 userId int32 = 7
        '10 03', // 2 goodsId int32 = 3
      );
      for (const rpc of ['GetFavList', 'AddUserFav', 'DeleteUserFav', 'GetUserFavDetail'] as const) {
        expect(userop[rpc].requestSerialize(value).toString('hex')).toBe(bytes);
      }
      expect(userop.AddUserFav.requestDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when a UserFavListResponse is encoded then total is field 1 and each UserFavResponse field 2', () => {
      const value = { total: 1, data: [{ userId: 7, goodsId: 3 }] };
      const bytes = hex(
        '08 01', //             1 total int32 = 1
        '12 04 08 07 10 03', // 2 data[0] UserFavResponse {1 userId = 7, 2 goodsId = 3}
      );
      expect(userop.GetFavList.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(userop.GetFavList.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when AddUserFav, DeleteUserFav and GetUserFavDetail answer then it is google.protobuf.Empty, zero bytes', () => {
      expect(userop.AddUserFav.responseSerialize({}).length).toBe(0);
      expect(userop.GetUserFavDetail.responseDeserialize(Buffer.alloc(0))).toEqual({});
    });
  });

  describe('address.proto', () => {
    const ADDRESS = {
      value: {
        id: 5,
        userId: 7,
        province: '北京',
        city: 'CY',
        district: 'WJ',
        address: 'T1',
        signerName: '张三',
        signerMobile: '13800138000',
      },
      bytes: hex(
        '08 05', //                                     1 id int32 = 5
        '10 07', //                                     2 userId int32 = 7
        '1a 06 e5 8c 97 e4 ba ac', //                   3 province string "北京"
        '22 02 43 59', //                               4 city string "CY"
        '2a 02 57 4a', //                               5 district string "WJ"
        '32 02 54 31', //                               6 address string "T1"
        '3a 06 e5 bc a0 e4 b8 89', //                   7 signerName string "张三"
        '42 0b 31 33 38 30 30 31 33 38 30 30 30', //    8 signerMobile string "13800138000"
      ), // 45 bytes = 0x2d
    };

    it('when an AddressRequest or AddressResponse is encoded then fields 1..8 keep their numbers', () => {
      for (const rpc of ['GetAddressList', 'CreateAddress', 'DeleteAddress', 'UpdateAddress'] as const) {
        expect(userop[rpc].requestSerialize(ADDRESS.value).toString('hex')).toBe(ADDRESS.bytes);
      }
      expect(userop.CreateAddress.responseSerialize(ADDRESS.value).toString('hex')).toBe(ADDRESS.bytes);
      expect(userop.UpdateAddress.requestDeserialize(Buffer.from(ADDRESS.bytes, 'hex'))).toEqual(ADDRESS.value);
      expect(userop.CreateAddress.responseDeserialize(Buffer.from(ADDRESS.bytes, 'hex'))).toEqual(ADDRESS.value);
    });

    it('when an AddressListResponse is encoded then total is field 1 and each AddressResponse field 2', () => {
      const value = { total: 1, data: [ADDRESS.value] };
      const bytes = hex(
        '08 01', //                  1 total int32 = 1
        '12 2d', ADDRESS.bytes, //   2 data[0] AddressResponse (45 bytes)
      );
      expect(userop.GetAddressList.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(userop.GetAddressList.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
    });

    it('when DeleteAddress and UpdateAddress answer then it is google.protobuf.Empty, zero bytes', () => {
      expect(userop.DeleteAddress.responseSerialize({}).length).toBe(0);
      expect(userop.UpdateAddress.responseDeserialize(Buffer.alloc(0))).toEqual({});
    });
  });

  describe('message.proto', () => {
    const MESSAGE = {
      value: { id: 9, userId: 7, messageType: 2, subject: 'Hi', message: '草莓', file: 'f.png' },
      bytes: hex(
        '08 09', //                       1 id int32 = 9
        '10 07', //                       2 userId int32 = 7
        '18 02', //                       3 messageType int32 = 2 (投诉)
        '22 02 48 69', //                 4 subject string "Hi"
        '2a 06 e8 8d 89 e8 8e 93', //     5 message string "草莓"
        '32 05 66 2e 70 6e 67', //        6 file string "f.png"
      ), // 25 bytes = 0x19
    };

    it('when a MessageRequest or MessageResponse is encoded then fields 1..6 keep their numbers', () => {
      expect(userop.CreateMessage.requestSerialize(MESSAGE.value).toString('hex')).toBe(MESSAGE.bytes);
      expect(userop.MessageList.requestSerialize(MESSAGE.value).toString('hex')).toBe(MESSAGE.bytes);
      expect(userop.CreateMessage.responseSerialize(MESSAGE.value).toString('hex')).toBe(MESSAGE.bytes);
      expect(userop.CreateMessage.requestDeserialize(Buffer.from(MESSAGE.bytes, 'hex'))).toEqual(MESSAGE.value);
      // A course srv sends no field 7: it reads as empty.
      expect(userop.CreateMessage.responseDeserialize(Buffer.from(MESSAGE.bytes, 'hex'))).toEqual({ ...MESSAGE.value, addTime: '' });
    });

    it('when a MessageResponse carries addTime then it is string field 7, after the course fields', () => {
      const value = { ...MESSAGE.value, addTime: '2026-01-02 15:04:05' };
      const bytes = hex(
        MESSAGE.bytes,
        '3a 13 32 30 32 36 2d 30 31 2d 30 32 20 31 35 3a 30 34 3a 30 35', // 7 addTime string "2026-01-02 15:04:05"
      );
      expect(userop.CreateMessage.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(userop.CreateMessage.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual(value);
      // The request has no field 7: a MessageRequest never carries it.
      expect(userop.CreateMessage.requestSerialize(value).toString('hex')).toBe(MESSAGE.bytes);
    });

    it('when a MessageListResponse is encoded then total is field 1 and each MessageResponse field 2', () => {
      const value = { total: 1, data: [MESSAGE.value] };
      const bytes = hex(
        '08 01', //                  1 total int32 = 1
        '12 19', MESSAGE.bytes, //   2 data[0] MessageResponse (25 bytes)
      );
      expect(userop.MessageList.responseSerialize(value).toString('hex')).toBe(bytes);
      expect(userop.MessageList.responseDeserialize(Buffer.from(bytes, 'hex'))).toEqual({
        total: 1,
        data: [{ ...MESSAGE.value, addTime: '' }],
      });
    });
  });
});
