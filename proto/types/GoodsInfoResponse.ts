// Original file: proto/goods.proto

import type { CategoryBriefInfoResponse as _CategoryBriefInfoResponse, CategoryBriefInfoResponse__Output as _CategoryBriefInfoResponse__Output } from './CategoryBriefInfoResponse';
import type { BrandInfoResponse as _BrandInfoResponse, BrandInfoResponse__Output as _BrandInfoResponse__Output } from './BrandInfoResponse';
import type { Long } from '@grpc/proto-loader';

export interface GoodsInfoResponse {
  'id'?: (number);
  'categoryId'?: (number);
  'name'?: (string);
  'goodsSn'?: (string);
  'clickNum'?: (number);
  'soldNum'?: (number);
  'favNum'?: (number);
  'stocks'?: (number);
  'marketPrice'?: (number | string);
  'shopPrice'?: (number | string);
  'goodsBrief'?: (string);
  'goodsDesc'?: (string);
  'shipFree'?: (boolean);
  'images'?: (string)[];
  'descImages'?: (string)[];
  'goodsFrontImage'?: (string);
  'isNew'?: (boolean);
  'isHot'?: (boolean);
  'onSale'?: (boolean);
  'addTime'?: (number | string | Long);
  'category'?: (_CategoryBriefInfoResponse | null);
  'brand'?: (_BrandInfoResponse | null);
}

export interface GoodsInfoResponse__Output {
  'id': (number);
  'categoryId': (number);
  'name': (string);
  'goodsSn': (string);
  'clickNum': (number);
  'soldNum': (number);
  'favNum': (number);
  'stocks': (number);
  'marketPrice': (number);
  'shopPrice': (number);
  'goodsBrief': (string);
  'goodsDesc': (string);
  'shipFree': (boolean);
  'images': (string)[];
  'descImages': (string)[];
  'goodsFrontImage': (string);
  'isNew': (boolean);
  'isHot': (boolean);
  'onSale': (boolean);
  'addTime': (number);
  'category': (_CategoryBriefInfoResponse__Output | null);
  'brand': (_BrandInfoResponse__Output | null);
}
