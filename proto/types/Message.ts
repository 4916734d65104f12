// Original file: proto/message.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { MessageListResponse as _MessageListResponse, MessageListResponse__Output as _MessageListResponse__Output } from './MessageListResponse';
import type { MessageRequest as _MessageRequest, MessageRequest__Output as _MessageRequest__Output } from './MessageRequest';
import type { MessageResponse as _MessageResponse, MessageResponse__Output as _MessageResponse__Output } from './MessageResponse';

export interface MessageClient extends grpc.Client {
  CreateMessage(argument: _MessageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_MessageResponse__Output>): grpc.ClientUnaryCall;
  CreateMessage(argument: _MessageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_MessageResponse__Output>): grpc.ClientUnaryCall;
  CreateMessage(argument: _MessageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_MessageResponse__Output>): grpc.ClientUnaryCall;
  CreateMessage(argument: _MessageRequest, callback: grpc.requestCallback<_MessageResponse__Output>): grpc.ClientUnaryCall;
  createMessage(argument: _MessageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_MessageResponse__Output>): grpc.ClientUnaryCall;
  createMessage(argument: _MessageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_MessageResponse__Output>): grpc.ClientUnaryCall;
  createMessage(argument: _MessageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_MessageResponse__Output>): grpc.ClientUnaryCall;
  createMessage(argument: _MessageRequest, callback: grpc.requestCallback<_MessageResponse__Output>): grpc.ClientUnaryCall;
  
  MessageList(argument: _MessageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_MessageListResponse__Output>): grpc.ClientUnaryCall;
  MessageList(argument: _MessageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_MessageListResponse__Output>): grpc.ClientUnaryCall;
  MessageList(argument: _MessageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_MessageListResponse__Output>): grpc.ClientUnaryCall;
  MessageList(argument: _MessageRequest, callback: grpc.requestCallback<_MessageListResponse__Output>): grpc.ClientUnaryCall;
  messageList(argument: _MessageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_MessageListResponse__Output>): grpc.ClientUnaryCall;
  messageList(argument: _MessageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_MessageListResponse__Output>): grpc.ClientUnaryCall;
  messageList(argument: _MessageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_MessageListResponse__Output>): grpc.ClientUnaryCall;
  messageList(argument: _MessageRequest, callback: grpc.requestCallback<_MessageListResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface MessageHandlers extends grpc.UntypedServiceImplementation {
  CreateMessage: grpc.handleUnaryCall<_MessageRequest__Output, _MessageResponse>;
  
  MessageList: grpc.handleUnaryCall<_MessageRequest__Output, _MessageListResponse>;
  
}

export interface MessageDefinition extends grpc.ServiceDefinition {
  CreateMessage: MethodDefinition<_MessageRequest, _MessageResponse, _MessageRequest__Output, _MessageResponse__Output>
  MessageList: MethodDefinition<_MessageRequest, _MessageListResponse, _MessageRequest__Output, _MessageListResponse__Output>
}
