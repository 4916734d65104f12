// Original file: proto/order.proto

import type { Long } from '@grpc/proto-loader';

export interface OrderStatus {
  'orderSn'?: (string);
  'status'?: (string);
  'payTime'?: (number | string | Long);
}

export interface OrderStatus__Output {
  'orderSn': (string);
  'status': (string);
  'payTime': (number);
}
