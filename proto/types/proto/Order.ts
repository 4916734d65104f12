// Original file: proto/order.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CartItemListResponse as _proto_CartItemListResponse, CartItemListResponse__Output as _proto_CartItemListResponse__Output } from '../proto/CartItemListResponse';
import type { CartItemRequest as _proto_CartItemRequest, CartItemRequest__Output as _proto_CartItemRequest__Output } from '../proto/CartItemRequest';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../google/protobuf/Empty';
import type { OrderFilterRequest as _proto_OrderFilterRequest, OrderFilterRequest__Output as _proto_OrderFilterRequest__Output } from '../proto/OrderFilterRequest';
import type { OrderInfoDetailResponse as _proto_OrderInfoDetailResponse, OrderInfoDetailResponse__Output as _proto_OrderInfoDetailResponse__Output } from '../proto/OrderInfoDetailResponse';
import type { OrderInfoResponse as _proto_OrderInfoResponse, OrderInfoResponse__Output as _proto_OrderInfoResponse__Output } from '../proto/OrderInfoResponse';
import type { OrderListResponse as _proto_OrderListResponse, OrderListResponse__Output as _proto_OrderListResponse__Output } from '../proto/OrderListResponse';
import type { OrderRequest as _proto_OrderRequest, OrderRequest__Output as _proto_OrderRequest__Output } from '../proto/OrderRequest';
import type { OrderStatus as _proto_OrderStatus, OrderStatus__Output as _proto_OrderStatus__Output } from '../proto/OrderStatus';
import type { ReconcileRequest as _proto_ReconcileRequest, ReconcileRequest__Output as _proto_ReconcileRequest__Output } from '../proto/ReconcileRequest';
import type { ReconcileResponse as _proto_ReconcileResponse, ReconcileResponse__Output as _proto_ReconcileResponse__Output } from '../proto/ReconcileResponse';
import type { ShopCartInfoResponse as _proto_ShopCartInfoResponse, ShopCartInfoResponse__Output as _proto_ShopCartInfoResponse__Output } from '../proto/ShopCartInfoResponse';
import type { UserInfo as _proto_UserInfo, UserInfo__Output as _proto_UserInfo__Output } from '../proto/UserInfo';

export interface OrderClient extends grpc.Client {
  CartItemList(argument: _proto_UserInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_CartItemListResponse__Output>): grpc.ClientUnaryCall;
  CartItemList(argument: _proto_UserInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_CartItemListResponse__Output>): grpc.ClientUnaryCall;
  CartItemList(argument: _proto_UserInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_CartItemListResponse__Output>): grpc.ClientUnaryCall;
  CartItemList(argument: _proto_UserInfo, callback: grpc.requestCallback<_proto_CartItemListResponse__Output>): grpc.ClientUnaryCall;
  cartItemList(argument: _proto_UserInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_CartItemListResponse__Output>): grpc.ClientUnaryCall;
  cartItemList(argument: _proto_UserInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_CartItemListResponse__Output>): grpc.ClientUnaryCall;
  cartItemList(argument: _proto_UserInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_CartItemListResponse__Output>): grpc.ClientUnaryCall;
  cartItemList(argument: _proto_UserInfo, callback: grpc.requestCallback<_proto_CartItemListResponse__Output>): grpc.ClientUnaryCall;
  
  CreateCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_ShopCartInfoResponse__Output>): grpc.ClientUnaryCall;
  CreateCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_ShopCartInfoResponse__Output>): grpc.ClientUnaryCall;
  CreateCartItem(argument: _proto_CartItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_ShopCartInfoResponse__Output>): grpc.ClientUnaryCall;
  CreateCartItem(argument: _proto_CartItemRequest, callback: grpc.requestCallback<_proto_ShopCartInfoResponse__Output>): grpc.ClientUnaryCall;
  createCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_ShopCartInfoResponse__Output>): grpc.ClientUnaryCall;
  createCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_ShopCartInfoResponse__Output>): grpc.ClientUnaryCall;
  createCartItem(argument: _proto_CartItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_ShopCartInfoResponse__Output>): grpc.ClientUnaryCall;
  createCartItem(argument: _proto_CartItemRequest, callback: grpc.requestCallback<_proto_ShopCartInfoResponse__Output>): grpc.ClientUnaryCall;
  
  CreateOrder(argument: _proto_OrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderInfoResponse__Output>): grpc.ClientUnaryCall;
  CreateOrder(argument: _proto_OrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_OrderInfoResponse__Output>): grpc.ClientUnaryCall;
  CreateOrder(argument: _proto_OrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderInfoResponse__Output>): grpc.ClientUnaryCall;
  CreateOrder(argument: _proto_OrderRequest, callback: grpc.requestCallback<_proto_OrderInfoResponse__Output>): grpc.ClientUnaryCall;
  createOrder(argument: _proto_OrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderInfoResponse__Output>): grpc.ClientUnaryCall;
  createOrder(argument: _proto_OrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_OrderInfoResponse__Output>): grpc.ClientUnaryCall;
  createOrder(argument: _proto_OrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderInfoResponse__Output>): grpc.ClientUnaryCall;
  createOrder(argument: _proto_OrderRequest, callback: grpc.requestCallback<_proto_OrderInfoResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteCartItem(argument: _proto_CartItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteCartItem(argument: _proto_CartItemRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteCartItem(argument: _proto_CartItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteCartItem(argument: _proto_CartItemRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  OrderDetail(argument: _proto_OrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderInfoDetailResponse__Output>): grpc.ClientUnaryCall;
  OrderDetail(argument: _proto_OrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_OrderInfoDetailResponse__Output>): grpc.ClientUnaryCall;
  OrderDetail(argument: _proto_OrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderInfoDetailResponse__Output>): grpc.ClientUnaryCall;
  OrderDetail(argument: _proto_OrderRequest, callback: grpc.requestCallback<_proto_OrderInfoDetailResponse__Output>): grpc.ClientUnaryCall;
  orderDetail(argument: _proto_OrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderInfoDetailResponse__Output>): grpc.ClientUnaryCall;
  orderDetail(argument: _proto_OrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_OrderInfoDetailResponse__Output>): grpc.ClientUnaryCall;
  orderDetail(argument: _proto_OrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderInfoDetailResponse__Output>): grpc.ClientUnaryCall;
  orderDetail(argument: _proto_OrderRequest, callback: grpc.requestCallback<_proto_OrderInfoDetailResponse__Output>): grpc.ClientUnaryCall;
  
  OrderList(argument: _proto_OrderFilterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderListResponse__Output>): grpc.ClientUnaryCall;
  OrderList(argument: _proto_OrderFilterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_OrderListResponse__Output>): grpc.ClientUnaryCall;
  OrderList(argument: _proto_OrderFilterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderListResponse__Output>): grpc.ClientUnaryCall;
  OrderList(argument: _proto_OrderFilterRequest, callback: grpc.requestCallback<_proto_OrderListResponse__Output>): grpc.ClientUnaryCall;
  orderList(argument: _proto_OrderFilterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderListResponse__Output>): grpc.ClientUnaryCall;
  orderList(argument: _proto_OrderFilterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_OrderListResponse__Output>): grpc.ClientUnaryCall;
  orderList(argument: _proto_OrderFilterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_OrderListResponse__Output>): grpc.ClientUnaryCall;
  orderList(argument: _proto_OrderFilterRequest, callback: grpc.requestCallback<_proto_OrderListResponse__Output>): grpc.ClientUnaryCall;
  
  ReconcileOrders(argument: _proto_ReconcileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  ReconcileOrders(argument: _proto_ReconcileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  ReconcileOrders(argument: _proto_ReconcileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  ReconcileOrders(argument: _proto_ReconcileRequest, callback: grpc.requestCallback<_proto_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  reconcileOrders(argument: _proto_ReconcileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  reconcileOrders(argument: _proto_ReconcileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_proto_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  reconcileOrders(argument: _proto_ReconcileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_proto_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  reconcileOrders(argument: _proto_ReconcileRequest, callback: grpc.requestCallback<_proto_ReconcileResponse__Output>): grpc.ClientUnaryCall;
  
  UpdateCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateCartItem(argument: _proto_CartItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateCartItem(argument: _proto_CartItemRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateCartItem(argument: _proto_CartItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateCartItem(argument: _proto_CartItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateCartItem(argument: _proto_CartItemRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  UpdateOrderStatus(argument: _proto_OrderStatus, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateOrderStatus(argument: _proto_OrderStatus, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateOrderStatus(argument: _proto_OrderStatus, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  UpdateOrderStatus(argument: _proto_OrderStatus, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateOrderStatus(argument: _proto_OrderStatus, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateOrderStatus(argument: _proto_OrderStatus, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateOrderStatus(argument: _proto_OrderStatus, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  updateOrderStatus(argument: _proto_OrderStatus, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
}

export interface OrderHandlers extends grpc.UntypedServiceImplementation {
  CartItemList: grpc.handleUnaryCall<_proto_UserInfo__Output, _proto_CartItemListResponse>;
  
  CreateCartItem: grpc.handleUnaryCall<_proto_CartItemRequest__Output, _proto_ShopCartInfoResponse>;
  
  CreateOrder: grpc.handleUnaryCall<_proto_OrderRequest__Output, _proto_OrderInfoResponse>;
  
  DeleteCartItem: grpc.handleUnaryCall<_proto_CartItemRequest__Output, _google_protobuf_Empty>;
  
  OrderDetail: grpc.handleUnaryCall<_proto_OrderRequest__Output, _proto_OrderInfoDetailResponse>;
  
  OrderList: grpc.handleUnaryCall<_proto_OrderFilterRequest__Output, _proto_OrderListResponse>;
  
  ReconcileOrders: grpc.handleUnaryCall<_proto_ReconcileRequest__Output, _proto_ReconcileResponse>;
  
  UpdateCartItem: grpc.handleUnaryCall<_proto_CartItemRequest__Output, _google_protobuf_Empty>;
  
  UpdateOrderStatus: grpc.handleUnaryCall<_proto_OrderStatus__Output, _google_protobuf_Empty>;
  
}

export interface OrderDefinition extends grpc.ServiceDefinition {
  CartItemList: MethodDefinition<_proto_UserInfo, _proto_CartItemListResponse, _proto_UserInfo__Output, _proto_CartItemListResponse__Output>
  CreateCartItem: MethodDefinition<_proto_CartItemRequest, _proto_ShopCartInfoResponse, _proto_CartItemRequest__Output, _proto_ShopCartInfoResponse__Output>
  CreateOrder: MethodDefinition<_proto_OrderRequest, _proto_OrderInfoResponse, _proto_OrderRequest__Output, _proto_OrderInfoResponse__Output>
  DeleteCartItem: MethodDefinition<_proto_CartItemRequest, _google_protobuf_Empty, _proto_CartItemRequest__Output, _google_protobuf_Empty__Output>
  OrderDetail: MethodDefinition<_proto_OrderRequest, _proto_OrderInfoDetailResponse, _proto_OrderRequest__Output, _proto_OrderInfoDetailResponse__Output>
  OrderList: MethodDefinition<_proto_OrderFilterRequest, _proto_OrderListResponse, _proto_OrderFilterRequest__Output, _proto_OrderListResponse__Output>
  ReconcileOrders: MethodDefinition<_proto_ReconcileRequest, _proto_ReconcileResponse, _proto_ReconcileRequest__Output, _proto_ReconcileResponse__Output>
  UpdateCartItem: MethodDefinition<_proto_CartItemRequest, _google_protobuf_Empty, _proto_CartItemRequest__Output, _google_protobuf_Empty__Output>
  UpdateOrderStatus: MethodDefinition<_proto_OrderStatus, _google_protobuf_Empty, _proto_OrderStatus__Output, _google_protobuf_Empty__Output>
}
