// Original file: proto/message.proto


export interface MessageRequest {
  'id'?: (number);
  'userId'?: (number);
  'messageType'?: (number);
  'subject'?: (string);
  'message'?: (string);
  'file'?: (string);
}

export interface MessageRequest__Output {
  'id': (number);
  'userId': (number);
  'messageType': (number);
  'subject': (string);
  'message': (string);
  'file': (string);
}
