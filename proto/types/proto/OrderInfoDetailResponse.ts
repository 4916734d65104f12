// Original file: proto/order.proto

import type { OrderInfoResponse as _proto_OrderInfoResponse, OrderInfoResponse__Output as _proto_OrderInfoResponse__Output } from '../proto/OrderInfoResponse';
import type { OrderItemResponse as _proto_OrderItemResponse, OrderItemResponse__Output as _proto_OrderItemResponse__Output } from '../proto/OrderItemResponse';

export interface OrderInfoDetailResponse {
  'orderInfo'?: (_proto_OrderInfoResponse | null);
  'data'?: (_proto_OrderItemResponse)[];
}

export interface OrderInfoDetailResponse__Output {
  'orderInfo': (_proto_OrderInfoResponse__Output | null);
  'data': (_proto_OrderItemResponse__Output)[];
}
