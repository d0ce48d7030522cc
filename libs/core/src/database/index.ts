export * from './data-source-options';
export * from './database.module';
export * from './migrate';
export * from './change-feed';
export * from './database.tokens';
export { migrations } from './migrations';
export * from './sql';
export * from './table-ownership';
export * from './sql-batch';
