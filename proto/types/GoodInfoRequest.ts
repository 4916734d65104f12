// Original file: proto/goods.proto


export interface GoodInfoRequest {
  'id'?: (number);
}

export interface GoodInfoRequest__Output {
  'id': (number);
}
