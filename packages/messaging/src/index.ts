export * from './kafka';
export * from './resource';
