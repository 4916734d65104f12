// Original file: proto/goods.proto


export interface CategoryBriefInfoResponse {
  'id'?: (number);
  'name'?: (string);
}

export interface CategoryBriefInfoResponse__Output {
  'id': (number);
  'name': (string);
}
