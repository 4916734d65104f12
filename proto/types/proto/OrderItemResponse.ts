// Original file: proto/order.proto


export interface OrderItemResponse {
  'id'?: (number);
  'orderId'?: (number);
  'goodsId'?: (number);
  'goodsName'?: (string);
  'goodsImage'?: (string);
  'goodsPrice'?: (number | string);
  'nums'?: (number);
}

export interface OrderItemResponse__Output {
  'id': (number);
  'orderId': (number);
  'goodsId': (number);
  'goodsName': (string);
  'goodsImage': (string);
  'goodsPrice': (number);
  'nums': (number);
}
