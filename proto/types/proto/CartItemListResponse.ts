// Original file: proto/order.proto

import type { ShopCartInfoResponse as _proto_ShopCartInfoResponse, ShopCartInfoResponse__Output as _proto_ShopCartInfoResponse__Output } from '../proto/ShopCartInfoResponse';

export interface CartItemListResponse {
  'total'?: (number);
  'data'?: (_proto_ShopCartInfoResponse)[];
}

export interface CartItemListResponse__Output {
  'total': (number);
  'data': (_proto_ShopCartInfoResponse__Output)[];
}
