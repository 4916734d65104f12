// Original file: proto/userfav.proto


export interface UserFavResponse {
  'userId'?: (number);
  'goodsId'?: (number);
}

export interface UserFavResponse__Output {
  'userId': (number);
  'goodsId': (number);
}
