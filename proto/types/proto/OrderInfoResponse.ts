// Original file: proto/order.proto


export interface OrderInfoResponse {
  'id'?: (number);
  'userId'?: (number);
  'orderSn'?: (string);
  'payType'?: (string);
  'status'?: (string);
  'post'?: (string);
  'total'?: (number | string);
  'address'?: (string);
  'name'?: (string);
  'mobile'?: (string);
  'addTime'?: (string);
}

export interface OrderInfoResponse__Output {
  'id': (number);
  'userId': (number);
  'orderSn': (string);
  'payType': (string);
  'status': (string);
  'post': (string);
  'total': (number);
  'address': (string);
  'name': (string);
  'mobile': (string);
  'addTime': (string);
}
