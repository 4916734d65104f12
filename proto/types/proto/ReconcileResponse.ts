// Original file: proto/order.proto


export interface ReconcileResponse {
  'checked'?: (number);
  'paid'?: (number);
  'closed'?: (number);
  'unchanged'?: (number);
  'failed'?: (number);
}

export interface ReconcileResponse__Output {
  'checked': (number);
  'paid': (number);
  'closed': (number);
  'unchanged': (number);
  'failed': (number);
}
