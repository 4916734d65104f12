// Original file: proto/message.proto

import type { MessageResponse as _MessageResponse, MessageResponse__Output as _MessageResponse__Output } from './MessageResponse';

export interface MessageListResponse {
  'total'?: (number);
  'data'?: (_MessageResponse)[];
}

export interface MessageListResponse__Output {
  'total': (number);
  'data': (_MessageResponse__Output)[];
}
