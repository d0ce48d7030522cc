export * from './demo-seed';
export * from './platform.module';
export * from './start';
export * from './workers';
