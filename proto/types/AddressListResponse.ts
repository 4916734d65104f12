// Original file: proto/address.proto

import type { AddressResponse as _AddressResponse, AddressResponse__Output as _AddressResponse__Output } from './AddressResponse';

export interface AddressListResponse {
  'total'?: (number);
  'data'?: (_AddressResponse)[];
}

export interface AddressListResponse__Output {
  'total': (number);
  'data': (_AddressResponse__Output)[];
}
