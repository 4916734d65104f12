// Original file: proto/address.proto


export interface AddressResponse {
  'id'?: (number);
  'userId'?: (number);
  'province'?: (string);
  'city'?: (string);
  'district'?: (string);
  'address'?: (string);
  'signerName'?: (string);
  'signerMobile'?: (string);
}

export interface AddressResponse__Output {
  'id': (number);
  'userId': (number);
  'province': (string);
  'city': (string);
  'district': (string);
  'address': (string);
  'signerName': (string);
  'signerMobile': (string);
}
