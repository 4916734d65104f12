// Original file: proto/order.proto

import type { Long } from '@grpc/proto-loader';

export interface OrderInfoResponse {
  'id'?: (number);
  'userId'?: (number);
  'orderSn'?: (string);
  'payType'?: (string);
  'status'?: (string);
  'post'?: (string);
  'total'?: (number | string);
  'address'?: (string);
  'name'?: (string);
  'mobile'?: (string);
  'addTime'?: (string);
  'expireAt'?: (number | string | Long);
}

export interface OrderInfoResponse__Output {
  'id': (number);
  'userId': (number);
  'orderSn': (string);
  'payType': (string);
  'status': (string);
  'post': (string);
  'total': (number);
  'address': (string);
  'name': (string);
  'mobile': (string);
  'addTime': (string);
  'expireAt': (number);
}
