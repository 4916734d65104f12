// Original file: proto/goods.proto

import type { GoodsInfoResponse as _GoodsInfoResponse, GoodsInfoResponse__Output as _GoodsInfoResponse__Output } from './GoodsInfoResponse';

export interface GoodsListResponse {
  'total'?: (number);
  'data'?: (_GoodsInfoResponse)[];
}

export interface GoodsListResponse__Output {
  'total': (number);
  'data': (_GoodsInfoResponse__Output)[];
}
