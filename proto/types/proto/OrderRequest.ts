// Original file: proto/order.proto


export interface OrderRequest {
  'id'?: (number);
  'userId'?: (number);
  'address'?: (string);
  'mobile'?: (string);
  'name'?: (string);
  'post'?: (string);
}

export interface OrderRequest__Output {
  'id': (number);
  'userId': (number);
  'address': (string);
  'mobile': (string);
  'name': (string);
  'post': (string);
}
