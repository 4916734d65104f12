// Original file: proto/message.proto


export interface MessageResponse {
  'id'?: (number);
  'userId'?: (number);
  'messageType'?: (number);
  'subject'?: (string);
  'message'?: (string);
  'file'?: (string);
  'addTime'?: (string);
}

export interface MessageResponse__Output {
  'id': (number);
  'userId': (number);
  'messageType': (number);
  'subject': (string);
  'message': (string);
  'file': (string);
  'addTime': (string);
}
