// Original file: proto/address.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddressListResponse as _AddressListResponse, AddressListResponse__Output as _AddressListResponse__Output } from './AddressListResponse';
import type { AddressRequest as _AddressRequest, AddressRequest__Output as _AddressRequest__Output } from './AddressRequest';
import type { AddressResponse as _AddressResponse, AddressResponse__Output as _AddressResponse__Output } from './AddressResponse';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from './google/protobuf/Empty';

export interface AddressClient extends grpc.Client {
  CreateAddress(argument: _AddressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_AddressResponse__Output>): grpc.ClientUnaryCall;
  CreateAddress(argument: _AddressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_AddressResponse__Output>): grpc.ClientUnaryCall;
  CreateAddress(argument: _AddressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_AddressResponse__Output>): grpc.ClientUnaryCall;
  CreateAddress(argument: _AddressRequest, callback: grpc.requestCallback<_AddressResponse__Output>): grpc.ClientUnaryCall;
  createAddress(argument: _AddressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_AddressResponse__Output>): grpc.ClientUnaryCall;
  createAddress(argument: _AddressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_AddressResponse__Output>): grpc.ClientUnaryCall;
  createAddress(argument: _AddressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_AddressResponse__Output>): grpc.ClientUnaryCall;
  createAddress(argument: _AddressRequest, callback: grpc.requestCallback<_AddressResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteAddress(argument: _AddressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAddress(argument: _AddressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAddress(argument: _AddressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAddress(argument: _AddressRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAddress(argument: _AddressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAddress(argument: _AddressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAddress(argument: _AddressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAddress(argument: _AddressRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  GetAddressList(argument: _AddressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_AddressListResponse__Output>): grpc.ClientUnaryCall;
  GetAddressList(argument: _AddressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_AddressListResponse__Output>): grpc.ClientUnaryCall;
  GetAddressList(argument: _AddressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_AddressListResponse__Output>): grpc.ClientUnaryCall;
  GetAddressList(argument: _AddressRequest, callback: grpc.requestCallback<_AddressListResponse__Output>): grpc.ClientUnaryCall;
  getAddressList(argument: _AddressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_AddressListResponse__Output>): grpc.ClientUnaryCall;
  getAddressList(argument: _AddressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_AddressListResponse__Output>): grpc.ClientUnaryCall;
  getAddressList(argument: _AddressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_AddressListResponse__Output>): grpc.ClientUnaryCall;
  getAddressList(argument: _AddressRequest, callback: grpc.requestCallback<_AddressListResponse__Output>): grpc.ClientUnaryCall;
  
  UpdateAddress(argument: _AddressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateAddress(argument: _AddressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateAddress(argument: _AddressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateAddress(argument: _AddressRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateAddress(argument: _AddressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateAddress(argument: _AddressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateAddress(argument: _AddressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateAddress(argument: _AddressRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
}

export interface AddressHandlers extends grpc.UntypedServiceImplementation {
  CreateAddress: grpc.handleUnaryCall<_AddressRequest__Output, _AddressResponse>;
  
  DeleteAddress: grpc.handleUnaryCall<_AddressRequest__Output, _google_protobuf_Empty>;
  
  GetAddressList: grpc.handleUnaryCall<_AddressRequest__Output, _AddressListResponse>;
  
  UpdateAddress: grpc.handleUnaryCall<_AddressRequest__Output, _google_protobuf_Empty>;
  
}

export interface AddressDefinition extends grpc.ServiceDefinition {
  CreateAddress: MethodDefinition<_AddressRequest, _AddressResponse, _AddressRequest__Output, _AddressResponse__Output>
  DeleteAddress: MethodDefinition<_AddressRequest, _google_protobuf_Empty, _AddressRequest__Output, _google_protobuf_Empty__Output>
  GetAddressList: MethodDefinition<_AddressRequest, _AddressListResponse, _AddressRequest__Output, _AddressListResponse__Output>
  UpdateAddress: MethodDefinition<_AddressRequest, _google_protobuf_Empty, _AddressRequest__Output, _google_protobuf_Empty__Output>
}
