// Typed mappers from the srvs' messages to the public JSON of CONTRACT §2 and §6. Money leaves here
// rounded to cents; the cart carries both the course SPA's `good_*` and the correct `goods_*` names.
import { roundYuan } from '../global/money';
import { publicStatus } from '../global/order-status';
import type { AddressResponse__Output } from '../proto/types/AddressResponse';
import type { GoodsInfoResponse__Output } from '../proto/types/GoodsInfoResponse';
import type { MessageResponse__Output } from '../proto/types/MessageResponse';
import type { OrderInfoDetailResponse__Output } from '../proto/types/proto/OrderInfoDetailResponse';
import type { OrderInfoResponse__Output } from '../proto/types/proto/OrderInfoResponse';
import type { ShopCartInfoResponse__Output } from '../proto/types/proto/ShopCartInfoResponse';
import type { UserFavResponse__Output } from '../proto/types/UserFavResponse';

export interface CartItemView {
  id: number;
  goods_id: number;
  good_id: number;
  goods_name: string;
  good_name: string;
  goods_image: string;
  good_image: string;
  goods_price: number;
  good_price: number;
  nums: number;
  checked: boolean;
}

/** A cart row joined with its goods; goods no longer in the catalogue show empty name and price 0. */
export function cartItemView(item: ShopCartInfoResponse__Output, goods: GoodsInfoResponse__Output | undefined): CartItemView {
  const name = goods?.name ?? '';
  const image = goods?.goodsFrontImage ?? '';
  const price = goods ? roundYuan(goods.shopPrice) : 0;
  return {
    // The goods id, not the row's: it is what every cart route takes and what the course SPA sends back.
    id: item.goodsId,
    goods_id: item.goodsId,
    good_id: item.goodsId,
    goods_name: name,
    good_name: name,
    goods_image: image,
    good_image: image,
    goods_price: price,
    good_price: price,
    nums: item.nums,
    checked: item.checked,
  };
}

export interface OrderView {
  id: number;
  status: string;
  pay_type: string;
  user: number;
  post: string;
  total: number;
  address: string;
  name: string;
  mobile: string;
  order_sn: string;
  add_time: string;
}

export function orderView(order: OrderInfoResponse__Output): OrderView {
  return {
    id: order.id,
    status: publicStatus(order.status),
    pay_type: order.payType,
    user: order.userId,
    post: order.post,
    total: roundYuan(order.total),
    address: order.address,
    name: order.name,
    mobile: order.mobile,
    order_sn: order.orderSn,
    add_time: order.addTime,
  };
}

export interface OrderGoodsView {
  id: number;
  name: string;
  image: string;
  price: number;
  nums: number;
}

export interface OrderDetailView extends OrderView {
  goods: OrderGoodsView[];
  alipay_url: string | null;
}

export function orderDetailView(detail: OrderInfoDetailResponse__Output, alipayUrl: string | null): OrderDetailView {
  if (!detail.orderInfo) throw new Error('order detail without orderInfo');
  return {
    ...orderView(detail.orderInfo),
    goods: detail.data.map((g) => ({
      id: g.goodsId,
      name: g.goodsName,
      image: g.goodsImage,
      price: roundYuan(g.goodsPrice),
      nums: g.nums,
    })),
    alipay_url: alipayUrl,
  };
}

/** What the course's userop-web answers for a delete. */
export const DELETED = { msg: '删除成功' } as const;

export interface UserFavView {
  id: number;
  name: string;
  shop_price: number;
}

/** A favourite joined with its goods; goods no longer in the catalogue show an empty name and price 0. */
export function userFavView(fav: UserFavResponse__Output, goods: GoodsInfoResponse__Output | undefined): UserFavView {
  return { id: fav.goodsId, name: goods?.name ?? '', shop_price: goods ? roundYuan(goods.shopPrice) : 0 };
}

export interface AddressView {
  id: number;
  user_id: number;
  province: string;
  city: string;
  district: string;
  address: string;
  signer_name: string;
  signer_mobile: string;
}

export function addressView(a: AddressResponse__Output): AddressView {
  return {
    id: a.id,
    user_id: a.userId,
    province: a.province,
    city: a.city,
    district: a.district,
    address: a.address,
    signer_name: a.signerName,
    signer_mobile: a.signerMobile,
  };
}

export interface MessageView {
  id: number;
  user_id: number;
  type: number;
  /** `type` again, under the name the course SPA reads. */
  message_type: number;
  subject: string;
  message: string;
  file: string;
  /** Absent when the srv (the course's) leaves field 7 empty. */
  add_time?: string;
}

export function messageView(m: MessageResponse__Output): MessageView {
  const view: MessageView = {
    id: m.id,
    user_id: m.userId,
    type: m.messageType,
    message_type: m.messageType,
    subject: m.subject,
    message: m.message,
    file: m.file,
  };
  if (m.addTime) view.add_time = m.addTime;
  return view;
}
