// Original file: proto/userfav.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from './google/protobuf/Empty';
import type { UserFavListResponse as _UserFavListResponse, UserFavListResponse__Output as _UserFavListResponse__Output } from './UserFavListResponse';
import type { UserFavRequest as _UserFavRequest, UserFavRequest__Output as _UserFavRequest__Output } from './UserFavRequest';

export interface UserFavClient extends grpc.Client {
  AddUserFav(argument: _UserFavRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  AddUserFav(argument: _UserFavRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  AddUserFav(argument: _UserFavRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  AddUserFav(argument: _UserFavRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  addUserFav(argument: _UserFavRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  addUserFav(argument: _UserFavRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  addUserFav(argument: _UserFavRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  addUserFav(argument: _UserFavRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  DeleteUserFav(argument: _UserFavRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteUserFav(argument: _UserFavRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteUserFav(argument: _UserFavRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteUserFav(argument: _UserFavRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteUserFav(argument: _UserFavRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteUserFav(argument: _UserFavRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteUserFav(argument: _UserFavRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteUserFav(argument: _UserFavRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  GetFavList(argument: _UserFavRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_UserFavListResponse__Output>): grpc.ClientUnaryCall;
  GetFavList(argument: _UserFavRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_UserFavListResponse__Output>): grpc.ClientUnaryCall;
  GetFavList(argument: _UserFavRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_UserFavListResponse__Output>): grpc.ClientUnaryCall;
  GetFavList(argument: _UserFavRequest, callback: grpc.requestCallback<_UserFavListResponse__Output>): grpc.ClientUnaryCall;
  getFavList(argument: _UserFavRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_UserFavListResponse__Output>): grpc.ClientUnaryCall;
  getFavList(argument: _UserFavRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_UserFavListResponse__Output>): grpc.ClientUnaryCall;
  getFavList(argument: _UserFavRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_UserFavListResponse__Output>): grpc.ClientUnaryCall;
  getFavList(argument: _UserFavRequest, callback: grpc.requestCallback<_UserFavListResponse__Output>): grpc.ClientUnaryCall;
  
  GetUserFavDetail(argument: _UserFavRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  GetUserFavDetail(argument: _UserFavRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  GetUserFavDetail(argument: _UserFavRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  GetUserFavDetail(argument: _UserFavRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  getUserFavDetail(argument: _UserFavRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  getUserFavDetail(argument: _UserFavRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  getUserFavDetail(argument: _UserFavRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  getUserFavDetail(argument: _UserFavRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
}

export interface UserFavHandlers extends grpc.UntypedServiceImplementation {
  AddUserFav: grpc.handleUnaryCall<_UserFavRequest__Output, _google_protobuf_Empty>;
  
  DeleteUserFav: grpc.handleUnaryCall<_UserFavRequest__Output, _google_protobuf_Empty>;
  
  GetFavList: grpc.handleUnaryCall<_UserFavRequest__Output, _UserFavListResponse>;
  
  GetUserFavDetail: grpc.handleUnaryCall<_UserFavRequest__Output, _google_protobuf_Empty>;
  
}

export interface UserFavDefinition extends grpc.ServiceDefinition {
  AddUserFav: MethodDefinition<_UserFavRequest, _google_protobuf_Empty, _UserFavRequest__Output, _google_protobuf_Empty__Output>
  DeleteUserFav: MethodDefinition<_UserFavRequest, _google_protobuf_Empty, _UserFavRequest__Output, _google_protobuf_Empty__Output>
  GetFavList: MethodDefinition<_UserFavRequest, _UserFavListResponse, _UserFavRequest__Output, _UserFavListResponse__Output>
  GetUserFavDetail: MethodDefinition<_UserFavRequest, _google_protobuf_Empty, _UserFavRequest__Output, _google_protobuf_Empty__Output>
}
