// Original file: proto/inventory.proto

import type { GoodsInvInfo as _GoodsInvInfo, GoodsInvInfo__Output as _GoodsInvInfo__Output } from './GoodsInvInfo';

export interface SellInfo {
  'goodsInfo'?: (_GoodsInvInfo)[];
  'orderSn'?: (string);
}

export interface SellInfo__Output {
  'goodsInfo': (_GoodsInvInfo__Output)[];
  'orderSn': (string);
}
