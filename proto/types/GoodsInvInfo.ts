// Original file: proto/inventory.proto


export interface GoodsInvInfo {
  'goodsId'?: (number);
  'num'?: (number);
}

export interface GoodsInvInfo__Output {
  'goodsId': (number);
  'num': (number);
}
