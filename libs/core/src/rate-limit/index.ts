export * from './rate-limit.module';
export * from './rate-limit.store';
export * from './mail-caps';
