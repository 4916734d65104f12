// Original file: proto/order.proto


export interface ReconcileRequest {
  'olderThanSeconds'?: (number);
}

export interface ReconcileRequest__Output {
  'olderThanSeconds': (number);
}
