// Original file: proto/userfav.proto

import type { UserFavResponse as _UserFavResponse, UserFavResponse__Output as _UserFavResponse__Output } from './UserFavResponse';

export interface UserFavListResponse {
  'total'?: (number);
  'data'?: (_UserFavResponse)[];
}

export interface UserFavListResponse__Output {
  'total': (number);
  'data': (_UserFavResponse__Output)[];
}
