// Original file: proto/goods.proto


export interface BrandInfoResponse {
  'id'?: (number);
  'name'?: (string);
  'logo'?: (string);
}

export interface BrandInfoResponse__Output {
  'id': (number);
  'name': (string);
  'logo': (string);
}
