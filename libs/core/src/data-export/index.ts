export * from './data-export.port';
