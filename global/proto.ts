// The proto contracts, parsed once per process on first use (never at import).
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { AddressClient, AddressDefinition } from '../proto/types/Address';
import type { GoodsClient, GoodsDefinition } from '../proto/types/Goods';
import type { InventoryClient, InventoryDefinition } from '../proto/types/Inventory';
import type { MessageClient, MessageDefinition } from '../proto/types/Message';
import type { OrderClient, OrderDefinition } from '../proto/types/proto/Order';
import type { UserFavClient, UserFavDefinition } from '../proto/types/UserFav';

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
  userfav: { UserFav: Service<UserFavClient, UserFavDefinition> };
  address: { Address: Service<AddressClient, AddressDefinition> };
  message: { Message: Service<MessageClient, MessageDefinition> };
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
    userfav: load<Protos['userfav']>('userfav.proto'),
    address: load<Protos['address']>('address.proto'),
    message: load<Protos['message']>('message.proto'),
  };
  return protos;
}

/** The userop srv's RPCs: UserFav's, Address's and Message's. */
export type UseropDefinition = UserFavDefinition & AddressDefinition & MessageDefinition;
type UseropService = Service<UserFavClient & AddressClient & MessageClient, UseropDefinition>;
let userop: UseropService | undefined;

/**
 * The userop srv serves three services (UserFav, Address, Message) on one server. A definition is a map of
 * RPC name to method (each with its full path), and their RPC names are distinct, so the three make one
 * definition: one server implementation, and one client over one channel that calls all three.
 */
function useropService(): UseropService {
  if (!userop) {
    const p = loadProtos();
    const definition: UseropDefinition = { ...p.userfav.UserFav.service, ...p.address.Address.service, ...p.message.Message.service };
    userop = grpc.makeClientConstructor(definition, 'userop') as unknown as UseropService;
  }
  return userop;
}

/** Service definitions by srv name: what clients dial and servers implement. */
export function serviceDefinitions() {
  const p = loadProtos();
  return {
    order: p.order.proto.Order,
    goods: p.goods.Goods,
    inventory: p.inventory.Inventory,
    userop: useropService(),
  };
}
