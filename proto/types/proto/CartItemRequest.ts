// Original file: proto/order.proto


export interface CartItemRequest {
  'userId'?: (number);
  'goodsId'?: (number);
  'nums'?: (number);
  'checked'?: (boolean);
  'keepChecked'?: (boolean);
}

export interface CartItemRequest__Output {
  'userId': (number);
  'goodsId': (number);
  'nums': (number);
  'checked': (boolean);
  'keepChecked': (boolean);
}
