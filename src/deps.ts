// What the gateway's routes are built from; main.ts and the tests construct it.
import type { Logger } from '../global/logger';
import type { SrvConn } from '../global/srv-conn';
import type { Alipay } from './alipay';

export interface AppDeps {
  srv: SrvConn;
  alipay: Alipay;
  logger: Logger;
  jwtKey: string;
  /** express.json's limit, e.g. "64kb". */
  bodyLimit: string;
}
