// Original file: proto/userfav.proto


export interface UserFavRequest {
  'userId'?: (number);
  'goodsId'?: (number);
}

export interface UserFavRequest__Output {
  'userId': (number);
  'goodsId': (number);
}
