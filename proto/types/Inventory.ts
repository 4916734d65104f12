// Original file: proto/inventory.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from './google/protobuf/Empty';
import type { GoodsInvInfo as _GoodsInvInfo, GoodsInvInfo__Output as _GoodsInvInfo__Output } from './GoodsInvInfo';
import type { SellInfo as _SellInfo, SellInfo__Output as _SellInfo__Output } from './SellInfo';

export interface InventoryClient extends grpc.Client {
  InvDetail(argument: _GoodsInvInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsInvInfo__Output>): grpc.ClientUnaryCall;
  InvDetail(argument: _GoodsInvInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_GoodsInvInfo__Output>): grpc.ClientUnaryCall;
  InvDetail(argument: _GoodsInvInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsInvInfo__Output>): grpc.ClientUnaryCall;
  InvDetail(argument: _GoodsInvInfo, callback: grpc.requestCallback<_GoodsInvInfo__Output>): grpc.ClientUnaryCall;
  invDetail(argument: _GoodsInvInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsInvInfo__Output>): grpc.ClientUnaryCall;
  invDetail(argument: _GoodsInvInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_GoodsInvInfo__Output>): grpc.ClientUnaryCall;
  invDetail(argument: _GoodsInvInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_GoodsInvInfo__Output>): grpc.ClientUnaryCall;
  invDetail(argument: _GoodsInvInfo, callback: grpc.requestCallback<_GoodsInvInfo__Output>): grpc.ClientUnaryCall;
  
  Reback(argument: _SellInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Reback(argument: _SellInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Reback(argument: _SellInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Reback(argument: _SellInfo, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  reback(argument: _SellInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  reback(argument: _SellInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  reback(argument: _SellInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  reback(argument: _SellInfo, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  Sell(argument: _SellInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Sell(argument: _SellInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Sell(argument: _SellInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Sell(argument: _SellInfo, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  sell(argument: _SellInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  sell(argument: _SellInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  sell(argument: _SellInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  sell(argument: _SellInfo, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  SetInv(argument: _GoodsInvInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  SetInv(argument: _GoodsInvInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  SetInv(argument: _GoodsInvInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  SetInv(argument: _GoodsInvInfo, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  setInv(argument: _GoodsInvInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  setInv(argument: _GoodsInvInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  setInv(argument: _GoodsInvInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  setInv(argument: _GoodsInvInfo, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
}

export interface InventoryHandlers extends grpc.UntypedServiceImplementation {
  InvDetail: grpc.handleUnaryCall<_GoodsInvInfo__Output, _GoodsInvInfo>;
  
  Reback: grpc.handleUnaryCall<_SellInfo__Output, _google_protobuf_Empty>;
  
  Sell: grpc.handleUnaryCall<_SellInfo__Output, _google_protobuf_Empty>;
  
  SetInv: grpc.handleUnaryCall<_GoodsInvInfo__Output, _google_protobuf_Empty>;
  
}

export interface InventoryDefinition extends grpc.ServiceDefinition {
  InvDetail: MethodDefinition<_GoodsInvInfo, _GoodsInvInfo, _GoodsInvInfo__Output, _GoodsInvInfo__Output>
  Reback: MethodDefinition<_SellInfo, _google_protobuf_Empty, _SellInfo__Output, _google_protobuf_Empty__Output>
  Sell: MethodDefinition<_SellInfo, _google_protobuf_Empty, _SellInfo__Output, _google_protobuf_Empty__Output>
  SetInv: MethodDefinition<_GoodsInvInfo, _google_protobuf_Empty, _GoodsInvInfo__Output, _google_protobuf_Empty__Output>
}
