export * from './bull.driver';
export * from './in-process.driver';
export * from './job-processors';
export * from './queue.module';
export * from './queue.types';
