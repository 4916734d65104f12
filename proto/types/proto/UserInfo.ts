// Original file: proto/order.proto


export interface UserInfo {
  'id'?: (number);
}

export interface UserInfo__Output {
  'id': (number);
}
