export * from './connection';
export * from './insert-batcher';
export * from './by-ids';
export * from './lease';
export * from './page';
