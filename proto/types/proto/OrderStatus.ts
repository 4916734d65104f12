// Original file: proto/order.proto

import type { Long } from '@grpc/proto-loader';

export interface OrderStatus {
  'orderSn'?: (string);
  'status'?: (string);
  'payTime'?: (number | string | Long);
  'tradeNo'?: (string);
  'totalAmount'?: (string);
}

export interface OrderStatus__Output {
  'orderSn': (string);
  'status': (string);
  'payTime': (number);
  'tradeNo': (string);
  'totalAmount': (string);
}
