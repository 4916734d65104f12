// Original file: proto/order.proto


export interface OrderRequest {
  'id'?: (number);
  'userId'?: (number);
  'address'?: (string);
  'mobile'?: (string);
  'name'?: (string);
  'post'?: (string);
  'orderSn'?: (string);
}

export interface OrderRequest__Output {
  'id': (number);
  'userId': (number);
  'address': (string);
  'mobile': (string);
  'name': (string);
  'post': (string);
  'orderSn': (string);
}
