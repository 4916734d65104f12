// Original file: proto/goods.proto


export interface BatchGoodsIdInfo {
  'id'?: (number)[];
}

export interface BatchGoodsIdInfo__Output {
  'id': (number)[];
}
