/** A started srv: where it listens, and how to stop it (gRPC drain, then the database). */
export interface RunningSrv {
  port: number;
  address: string;
  stop(): Promise<void>;
}
