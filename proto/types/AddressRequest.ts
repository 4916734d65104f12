// Original file: proto/address.proto


export interface AddressRequest {
  'id'?: (number);
  'userId'?: (number);
  'province'?: (string);
  'city'?: (string);
  'district'?: (string);
  'address'?: (string);
  'signerName'?: (string);
  'signerMobile'?: (string);
}

export interface AddressRequest__Output {
  'id': (number);
  'userId': (number);
  'province': (string);
  'city': (string);
  'district': (string);
  'address': (string);
  'signerName': (string);
  'signerMobile': (string);
}
