export * from './connection';
export * from './insert-batcher';
