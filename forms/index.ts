// class-transformer and class-validator read decorator metadata through the Reflect API; load its polyfill once,
// before any form class is defined.
import 'reflect-metadata';

export * from './admin';
export * from './order';
export { INT32_MAX, toStrictInt } from './rules';
export * from './shop-cart';
export * from './userop';
