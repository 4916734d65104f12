// Original file: proto/order.proto


export interface OrderFilterRequest {
  'userId'?: (number);
  'pages'?: (number);
  'pagePerNums'?: (number);
}

export interface OrderFilterRequest__Output {
  'userId': (number);
  'pages': (number);
  'pagePerNums': (number);
}
