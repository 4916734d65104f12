// Original file: proto/order.proto

import type { OrderInfoResponse as _proto_OrderInfoResponse, OrderInfoResponse__Output as _proto_OrderInfoResponse__Output } from '../proto/OrderInfoResponse';

export interface OrderListResponse {
  'total'?: (number);
  'data'?: (_proto_OrderInfoResponse)[];
}

export interface OrderListResponse__Output {
  'total': (number);
  'data': (_proto_OrderInfoResponse__Output)[];
}
