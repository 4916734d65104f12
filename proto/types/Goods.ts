// Original file: proto/goods.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchGoodsIdInfo as _BatchGoodsIdInfo, BatchGoodsIdInfo__Output as _BatchGoodsIdInfo__Output } from './BatchGoodsIdInfo';
import type { GoodInfoRequest as _GoodInfoRequest, GoodInfoRequest__Output as _GoodInfoRequest__Output } from './GoodInfoRequest';
import type { GoodsInfoResponse as _GoodsInfoResponse, GoodsInfoResponse__Output as _GoodsInfoResponse__Output } from './GoodsInfoResponse';
import type { GoodsListResponse as _GoodsListResponse, GoodsListResponse__Output as _GoodsListResponse__Output } from './GoodsListResponse';

export interface GoodsClient extends grpc.Client {
  BatchGetGoods(argument: _BatchGoodsIdInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsListResponse__Output>): grpc.ClientUnaryCall;
  BatchGetGoods(argument: _BatchGoodsIdInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_GoodsListResponse__Output>): grpc.ClientUnaryCall;
  BatchGetGoods(argument: _BatchGoodsIdInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsListResponse__Output>): grpc.ClientUnaryCall;
  BatchGetGoods(argument: _BatchGoodsIdInfo, callback: grpc.requestCallback<_GoodsListResponse__Output>): grpc.ClientUnaryCall;
  batchGetGoods(argument: _BatchGoodsIdInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsListResponse__Output>): grpc.ClientUnaryCall;
  batchGetGoods(argument: _BatchGoodsIdInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_GoodsListResponse__Output>): grpc.ClientUnaryCall;
  batchGetGoods(argument: _BatchGoodsIdInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsListResponse__Output>): grpc.ClientUnaryCall;
  batchGetGoods(argument: _BatchGoodsIdInfo, callback: grpc.requestCallback<_GoodsListResponse__Output>): grpc.ClientUnaryCall;
  
  GetGoodsDetail(argument: _GoodInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsInfoResponse__Output>): grpc.ClientUnaryCall;
  GetGoodsDetail(argument: _GoodInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_GoodsInfoResponse__Output>): grpc.ClientUnaryCall;
  GetGoodsDetail(argument: _GoodInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsInfoResponse__Output>): grpc.ClientUnaryCall;
  GetGoodsDetail(argument: _GoodInfoRequest, callback: grpc.requestCallback<_GoodsInfoResponse__Output>): grpc.ClientUnaryCall;
  getGoodsDetail(argument: _GoodInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsInfoResponse__Output>): grpc.ClientUnaryCall;
  getGoodsDetail(argument: _GoodInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_GoodsInfoResponse__Output>): grpc.ClientUnaryCall;
  getGoodsDetail(argument: _GoodInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsInfoResponse__Output>): grpc.ClientUnaryCall;
  getGoodsDetail(argument: _GoodInfoRequest, callback: grpc.requestCallback<_GoodsInfoResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface GoodsHandlers extends grpc.UntypedServiceImplementation {
  BatchGetGoods: grpc.handleUnaryCall<_BatchGoodsIdInfo__Output, _GoodsListResponse>;
  
  GetGoodsDetail: grpc.handleUnaryCall<_GoodInfoRequest__Output, _GoodsInfoResponse>;
  
}

export interface GoodsDefinition extends grpc.ServiceDefinition {
  BatchGetGoods: MethodDefinition<_BatchGoodsIdInfo, _GoodsListResponse, _BatchGoodsIdInfo__Output, _GoodsListResponse__Output>
  GetGoodsDetail: MethodDefinition<_GoodInfoRequest, _GoodsInfoResponse, _GoodInfoRequest__Output, _GoodsInfoResponse__Output>
}
