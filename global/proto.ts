// The three proto contracts, parsed once per process on first use (never at import).
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { GoodsClient, GoodsDefinition } from '../proto/types/Goods';
import type { InventoryClient, InventoryDefinition } from '../proto/types/Inventory';
import type { OrderClient, OrderDefinition } from '../proto/types/proto/Order';

/** Source tree: <root>/global → <root>/proto; build: dist/global → dist/proto (copied by `npm run build`). */
export const PROTO_DIR = path.resolve(__dirname, '..', 'proto');

/** The options the generated types in proto/types were made with (package.json `proto:types`). */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** A generated service: its client constructor, carrying the definition servers implement. */
type Service<Client extends grpc.Client, Definition> = (new (
  ...args: ConstructorParameters<typeof grpc.Client>
) => Client) & { service: Definition };

export interface Protos {
  order: { proto: { Order: Service<OrderClient, OrderDefinition> } };
  goods: { Goods: Service<GoodsClient, GoodsDefinition> };
  inventory: { Inventory: Service<InventoryClient, InventoryDefinition> };
}

let protos: Protos | undefined;

function load<T>(file: string): T {
  const definition = protoLoader.loadSync(path.join(PROTO_DIR, file), PROTO_LOADER_OPTIONS);
  return grpc.loadPackageDefinition(definition) as unknown as T;
}

export function loadProtos(): Protos {
  protos ??= {
    order: load<Protos['order']>('order.proto'),
    goods: load<Protos['goods']>('goods.proto'),
    inventory: load<Protos['inventory']>('inventory.proto'),
  };
  return protos;
}

/** Service definitions by srv name: what clients dial and servers implement. */
export function serviceDefinitions() {
  const p = loadProtos();
  return {
    order: p.order.proto.Order,
    goods: p.goods.Goods,
    inventory: p.inventory.Inventory,
  };
}
