// Original file: proto/order.proto


export interface ShopCartInfoResponse {
  'id'?: (number);
  'userId'?: (number);
  'goodsId'?: (number);
  'nums'?: (number);
  'checked'?: (boolean);
}

export interface ShopCartInfoResponse__Output {
  'id': (number);
  'userId': (number);
  'goodsId': (number);
  'nums': (number);
  'checked': (boolean);
}
